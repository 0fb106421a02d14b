package org.cleverrunner.testkit.clevercloud;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Clever Cloud API (v2) simulator over real HTTP on loopback.
 *
 * <pre>{@code
 * try (CleverCloudSimulator cc = CleverCloudSimulator.builder().apiToken("tok").launcher(myLauncher).start()) {
 *     // point the client at cc.url() (e.g. http://127.0.0.1:41234; paths start with /v2/)
 *     // POST /v2/organisations/{cc.organisationId()}/applications, PUT …/env, git push to deployment.httpUrl …
 *     cc.awaitInstanceUp(appId, Duration.ofSeconds(10));
 *     URI vm = cc.endpointOf(appId).orElseThrow();
 * }
 * }</pre>
 *
 * <h2>Authentication</h2>
 * {@code Authorization: Bearer <api token>}, {@code Authorization: token <organisation token>} (the Heptapod
 * runner's scheme) and OAuth 1.0a: PLAINTEXT (signature {@code pct(consumerSecret)&pct(tokenSecret)}, compared
 * exactly) and HMAC-SHA512 / HMAC-SHA1, recomputed over {@code http://<Host header><path>}; the simulator accepts a
 * base string with the query parameters (the documentation's rule) or without them (clevercloud-client-go's).
 * Timestamps and nonces are not checked. {@code /v2/products/*} need no authentication (the Heptapod runner calls
 * them anonymously). Anything else answers 401 with a Clever error body.
 *
 * <h2>Where things are in the application JSON</h2>
 * <ul>
 * <li>{@code deployment.url}: the {@code file://} URL of the application's bare git repository (real: git+ssh,
 *     whose keys are out of band); {@code deployment.httpUrl}: the same repository over smart HTTP on loopback,
 *     behind Basic credentials (OAuth token and secret, or an organisation token; a push without them is
 *     answered 401). Push any branch; {@code branch} (default {@code master}) is
 *     preferred when several exist. {@code deployment.repoState} is {@code CREATING} for
 *     {@link Builder#repoCreationDelay} after creation, then {@code CREATED}.</li>
 * <li>{@code vhosts[0].fqdn}: {@code app-<uuid>.cleverapps.io/} until the VM is up; once an instance is
 *     {@code UP} it is {@code <host>:<port>/} of the {@link VmHandle#endpoint()} (the cleverapps name moves to
 *     {@code vhosts[1]}), so {@code "https://" + fqdn} (trailing slash removed) reaches the VM when the launcher
 *     serves HTTPS. {@code deployUrl} carries the VM's full endpoint URI (or null). {@link #endpointOf} gives the
 *     same URI.</li>
 * </ul>
 *
 * <h2>The VM</h2>
 * Every 100 ms the simulator reads each repository's refs; a new commit starts a deployment ({@code WIP}) and an
 * instance {@code BOOTING} (the previous instance, if any, stops). After {@code bootTime} the instance is
 * {@code DEPLOYING} and the {@link VmLauncher} is called with the app's env and a checkout of the commit; when it
 * returns the instance is {@code UP} and the deployment {@code OK}. Deleting the application stops the VM.
 *
 * <h2>Error ids</h2>
 * Seen in the reference: 4004 (404 no such application), 9017 (400 "The specified instance does not exist"),
 * 557 (400 invalid env), 302 (deleted). Invented by the simulator: 3001 (401), 3002 (403 not a member of the
 * organisation), 4000 (400 bad JSON), 4005 (404 no such deployment), 4010 (400 unknown or unavailable flavor),
 * 4011 (400 unknown zone), 4012 (400 missing or invalid field, with {@code fields}), 4013 (400 nothing to deploy),
 * 4040 (404 no such route); injected faults use the status as id. Success ids other than 302 are invented.
 *
 * <p>Thread-safe. Secrets are never logged.
 */
public final class CleverCloudSimulator implements AutoCloseable {

    static {
        // As in FakeCoordinator: without TCP_NODELAY every small answer waits ~40 ms for a delayed ACK.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(CleverCloudSimulator.class);
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ENV_NAME = Pattern.compile("[a-zA-Z0-9-_.]+");
    /** The Heptapod Runner variant (reference: HPR's default instanceVariant). */
    public static final String HEPTAPOD_RUNNER_VARIANT = "70d676a0-a775-4dc9-a43d-3121036e8515";
    /** The simulator's Docker variant id (invented). */
    public static final String DOCKER_VARIANT = "e2ff1d5e-4a4f-4f0b-9c4f-2a6f3a7c8d10";

    private final Map<String, String> organisations;
    private final String userId;
    private final List<String> apiTokens;
    private final List<String> organisationTokens;
    private final List<OAuthCredentials> oauth;
    private final Map<String, List<Flavor>> flavorsByContext;
    private final List<String> zones;
    private final Duration bootTime;
    private final Duration repoCreationDelay;
    private final Clock clock;
    private final VmLauncher launcher;
    private volatile String dockerVersion;
    private org.cleverrunner.testkit.GitHttpServer git;
    private final Path workDir;
    private final boolean ownWorkDir;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Map<String, App> apps = new LinkedHashMap<>();
    private final List<App> created = new ArrayList<>();
    private final List<CleverRequest> recorded = new ArrayList<>();
    private final CleverFaults faults = new CleverFaults(this);

    private HttpServer server;
    private ExecutorService httpThreads;
    private ScheduledExecutorService scheduler;
    private ExecutorService workers;
    private volatile boolean closed;
    private volatile String url;

    private CleverCloudSimulator(Builder b) {
        this.organisations = new LinkedHashMap<>(b.organisations);
        if (organisations.isEmpty()) {
            organisations.put("orga_00000000-0000-4000-8000-00000000c1e0", "Simulated organisation");
        }
        this.userId = b.userId;
        this.apiTokens = List.copyOf(b.apiTokens);
        this.organisationTokens = List.copyOf(b.organisationTokens);
        this.oauth = List.copyOf(b.oauth);
        this.flavorsByContext = new LinkedHashMap<>(b.flavors);
        if (flavorsByContext.isEmpty()) {
            flavorsByContext.put("", Flavor.applicationFlavors());
            flavorsByContext.put("heptapod-runner", Flavor.runnerFlavors("heptapod-runner"));
        }
        this.zones = List.copyOf(b.zones);
        this.bootTime = b.bootTime;
        this.repoCreationDelay = b.repoCreationDelay;
        this.clock = b.clock;
        this.launcher = b.launcher;
        this.dockerVersion = b.dockerVersion;
        try {
            this.ownWorkDir = b.workDir == null;
            this.workDir = b.workDir != null ? Files.createDirectories(b.workDir) : Files.createTempDirectory("ccsim-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------ lifecycle

    /** Binds 127.0.0.1 on an ephemeral port and starts serving and watching repositories. */
    public synchronized CleverCloudSimulator start() {
        if (server != null) {
            throw new IllegalStateException("already started");
        }
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind the Clever Cloud simulator", e);
        }
        httpThreads = Executors.newCachedThreadPool(daemon("ccsim-http-"));
        workers = Executors.newCachedThreadPool(daemon("ccsim-vm-"));
        scheduler = Executors.newSingleThreadScheduledExecutor(daemon("ccsim-watch-"));
        server.setExecutor(httpThreads);
        server.createContext("/", this::handle);
        server.start();
        url = "http://127.0.0.1:" + server.getAddress().getPort();
        try {
            // deployment.httpUrl: pushes over HTTP with Basic credentials, as the live push hosts take them
            git = org.cleverrunner.testkit.GitHttpServer.gitWithCredentials(
                    Files.createDirectories(workDir.resolve("repositories")), this::acceptsPush);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve the simulator's deployment repositories", e);
        }
        scheduler.scheduleWithFixedDelay(this::pollRepositories, 100, 100, TimeUnit.MILLISECONDS);
        LOG.debug("Clever Cloud simulator listening on {}", url);
        return this;
    }

    private static java.util.concurrent.ThreadFactory daemon(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Stops serving, stops every running VM and deletes the simulator's repositories (if it made its work dir). */
    @Override
    public void close() {
        closed = true;
        List<VmHandle> toStop = new ArrayList<>();
        lock.lock();
        try {
            for (App app : apps.values()) {
                stopInstances(app, toStop);
                app.closeRepository();
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        stopAll(toStop);
        HttpServer s;
        synchronized (this) {
            s = server;
        }
        if (git != null) {
            git.close();
        }
        if (s != null) {
            s.stop(0);
            scheduler.shutdownNow();
            workers.shutdownNow();
            httpThreads.shutdownNow();
            try {
                httpThreads.awaitTermination(2, TimeUnit.SECONDS);
                workers.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (ownWorkDir) {
            deleteTree(workDir);
        }
    }

    /**
     * Retires the current Docker instance version: {@code /v2/products/instances} then lists {@code current}, and
     * creating an application with the old version fails with 9017, as the live API answers a version it no
     * longer offers.
     */
    public void retireDockerVersion(String current) {
        this.dockerVersion = Objects.requireNonNull(current, "current");
    }

    /**
     * Who may push to deployment.httpUrl: clever-tools' way (the OAuth token as user, its secret as password) and
     * the Heptapod PaaS runner's (any user, the organisation token as password). API tokens push nothing here: no
     * source says the push hosts take them.
     */
    private boolean acceptsPush(String user, String password) {
        return oauth.stream().anyMatch(o -> o.token().equals(user) && o.tokenSecret().equals(password))
                || organisationTokens.contains(password);
    }

    /** The base URL without trailing slash, e.g. {@code http://127.0.0.1:41234}; API paths start with /v2/. */
    public String url() {
        String u = url;
        if (u == null) {
            throw new IllegalStateException("not started");
        }
        return u;
    }

    /** The first organisation id. */
    public String organisationId() {
        return organisations.keySet().iterator().next();
    }

    /** The user id of {@code /v2/self} (the personal space). */
    public String userId() {
        return userId;
    }

    public CleverFaults faults() {
        return faults;
    }

    /** The flavors of a context ({@code ""} for the regular application flavors). */
    public List<Flavor> flavors(String context) {
        return flavorsByContext.getOrDefault(context == null ? "" : context, List.of());
    }

    // ------------------------------------------------------------------ assertions

    /** Every request received so far, in arrival order. */
    public List<CleverRequest> requests() {
        synchronized (recorded) {
            return List.copyOf(recorded);
        }
    }

    public List<CleverRequest> requests(CleverEndpoint endpoint) {
        return requests().stream().filter(r -> r.endpoint() == endpoint).toList();
    }

    /** The existing applications (not deleted nor vanished), in creation order. */
    public List<SimulatedApplication> applications() {
        lock.lock();
        try {
            return apps.values().stream().map(this::snapshot).toList();
        } finally {
            lock.unlock();
        }
    }

    /** Every application ever created, deleted ones included, in creation order. */
    public List<SimulatedApplication> createdApplications() {
        lock.lock();
        try {
            return created.stream().map(this::snapshot).toList();
        } finally {
            lock.unlock();
        }
    }

    /** A snapshot of an application, deleted or not; throws when no such id was ever created. */
    public SimulatedApplication application(String appId) {
        lock.lock();
        try {
            return snapshot(created.stream().filter(a -> a.id.equals(appId)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no application " + appId)));
        } finally {
            lock.unlock();
        }
    }

    /** The running VM's endpoint, if the application has an instance UP. */
    public Optional<URI> endpointOf(String appId) {
        lock.lock();
        try {
            App app = apps.get(appId);
            return Optional.ofNullable(app == null ? null : app.endpoint);
        } finally {
            lock.unlock();
        }
    }

    /** Waits until no application exists; throws AssertionError naming the remaining ones. */
    public void awaitNoApplications(Duration timeout) {
        awaitCondition(timeout, () -> apps.isEmpty(), () -> "applications still exist: "
                + apps.values().stream().map(a -> a.name + " (" + a.id + ")").toList());
    }

    /** Waits until the application has an instance UP and returns the VM endpoint. */
    public URI awaitInstanceUp(String appId, Duration timeout) {
        awaitCondition(timeout, () -> apps.containsKey(appId) && apps.get(appId).endpoint != null,
                () -> "no instance UP for " + appId + ": " + (apps.containsKey(appId) ? snapshot(apps.get(appId)).instances() : "no such application"));
        return endpointOf(appId).orElseThrow();
    }

    private void awaitCondition(Duration timeout, java.util.function.BooleanSupplier ok, java.util.function.Supplier<String> failure) {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (!ok.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError(failure.get());
                }
                changed.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted");
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ billing

    /** Uptime rounded up to whole 10-second units: 0 → 0, 1 ms → 10 s, 10 s → 10 s, 10.001 s → 20 s. */
    public static long billedSeconds(Duration uptime) {
        long ms = Math.max(0, uptime.toMillis());
        return (ms + 9_999) / 10_000 * 10;
    }

    /** Billed seconds of an application (deleted or not): each instance's uptime rounded up to 10 s. */
    public long billedSeconds(String appId) {
        return application(appId).billedSeconds();
    }

    /** Billed seconds per flavor name over every application ever created. */
    public Map<String, Long> billing() {
        Map<String, Long> out = new TreeMap<>();
        for (BillingRecord r : billingRecords()) {
            out.merge(r.flavor(), r.billedSeconds(), Long::sum);
        }
        return out;
    }

    /** One record per application ever created. */
    public List<BillingRecord> billingRecords() {
        lock.lock();
        try {
            return created.stream().map(a -> {
                long s = billed(a);
                return new BillingRecord(a.id, a.name, a.maxFlavor.name(), s, s * a.maxFlavor.pricePerHour() / 3600.0,
                        a.deletedAt != null);
            }).toList();
        } finally {
            lock.unlock();
        }
    }

    private long billed(App app) {
        Instant now = clock.instant();
        return app.instances.stream().mapToLong(i -> instanceBilled(i, now)).sum();
    }

    private static long instanceBilled(Inst i, Instant now) {
        return billedSeconds(Duration.between(i.createdAt, i.stoppedAt != null ? i.stoppedAt : now));
    }

    // ------------------------------------------------------------------ the VM life cycle

    private void pollRepositories() {
        if (closed) {
            return;
        }
        try {
            List<App> live;
            lock.lock();
            try {
                live = new ArrayList<>(apps.values());
            } finally {
                lock.unlock();
            }
            for (App app : live) {
                String head = app.head();
                if (head != null) {
                    lock.lock();
                    try {
                        if (apps.containsKey(app.id) && !head.equals(app.lastSeenCommit)) {
                            app.lastSeenCommit = head;
                            deploy(app, head, "git push");
                        }
                    } finally {
                        lock.unlock();
                    }
                }
            }
        } catch (RuntimeException e) {
            if (!closed) {
                LOG.warn("Clever Cloud simulator: repository poll failed", e);
            }
        }
    }

    /** Under the lock: stops the current instances and starts a new deployment of {@code commit}. */
    private Dep deploy(App app, String commit, String cause) {
        List<VmHandle> toStop = new ArrayList<>();
        stopInstances(app, toStop);
        workers.execute(() -> stopAll(toStop));
        Instant now = clock.instant();
        Dep dep = new Dep(app.deployments.size() + 1, "deployment_" + UUID.randomUUID(), "DEPLOY", commit, cause, now);
        app.deployments.add(dep);
        Inst inst = new Inst(UUID.randomUUID().toString(), dep, app.maxFlavor, commit, now, app.deployments.size());
        app.instances.add(inst);
        app.state = "WANTS_TO_BE_UP";
        changed.signalAll();
        LOG.debug("deployment {} of {} ({}) booting", dep.index, app.id, cause);
        scheduler.schedule(() -> workers.execute(() -> boot(app, inst)), bootTime.toMillis(), TimeUnit.MILLISECONDS);
        return dep;
    }

    private void boot(App app, Inst inst) {
        SimulatedApplication snap;
        Map<String, String> env;
        lock.lock();
        try {
            if (inst.stoppedAt != null || !apps.containsKey(app.id)) {
                return;
            }
            inst.state = "DEPLOYING";
            changed.signalAll();
            snap = snapshot(app);
            if (faults.neverUp(snap)) {
                LOG.debug("deployment of {} will never be up (scenario)", app.id);
                return;
            }
            env = new LinkedHashMap<>(app.env);
            env.put("APP_ID", app.id);
            env.put("INSTANCE_ID", inst.id);
            env.put("INSTANCE_NUMBER", "0");
            env.put("INSTANCE_TYPE", "production");
            env.put("COMMIT_ID", inst.commit);
            env.put("PORT", "8080");
        } finally {
            lock.unlock();
        }
        VmHandle handle;
        try {
            Path checkout = app.checkout(inst.commit, workDir.resolve("checkouts").resolve(app.id + "-" + inst.dep.index));
            handle = Objects.requireNonNull(launcher.launch(snap, Map.copyOf(env), checkout), "launcher returned null");
        } catch (Exception e) {
            LOG.info("Clever Cloud simulator: launching {} failed: {}", app.id, e.toString());
            lock.lock();
            try {
                inst.dep.state = "FAIL";
                if (inst.stoppedAt == null) {
                    inst.stoppedAt = clock.instant();
                    inst.state = "DELETED";
                }
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            return;
        }
        boolean stale;
        lock.lock();
        try {
            stale = inst.stoppedAt != null || !apps.containsKey(app.id);
            if (!stale) {
                inst.state = "UP";
                inst.upAt = clock.instant();
                inst.vm = handle;
                inst.dep.state = "OK";
                app.endpoint = handle.endpoint();
                app.state = "SHOULD_BE_UP";
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
        if (stale) {
            stopAll(List.of(handle));
        }
    }

    /** Under the lock: every live instance stops now; their VMs are added to {@code toStop}. */
    private void stopInstances(App app, List<VmHandle> toStop) {
        Instant now = clock.instant();
        for (Inst i : app.instances) {
            if (i.stoppedAt == null) {
                i.stoppedAt = now;
                i.state = "DELETED";
                if ("WIP".equals(i.dep.state)) {
                    i.dep.state = "CANCELLED";
                }
                if (i.vm != null) {
                    toStop.add(i.vm);
                    i.vm = null;
                }
            }
        }
        app.endpoint = null;
        changed.signalAll();
    }

    private static void stopAll(List<VmHandle> handles) {
        for (VmHandle h : handles) {
            try {
                h.stop();
            } catch (RuntimeException e) {
                LOG.warn("Clever Cloud simulator: stopping a VM failed", e);
            }
        }
    }

    /** Removes an application at once, as if deleted behind the runner's back. */
    void vanish(String appId) {
        lock.lock();
        try {
            App app = apps.get(appId);
            if (app == null) {
                throw new IllegalArgumentException("no application " + appId);
            }
            remove(app);
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock. */
    private void remove(App app) {
        List<VmHandle> toStop = new ArrayList<>();
        stopInstances(app, toStop);
        apps.remove(app.id);
        app.deletedAt = clock.instant();
        app.closeRepository();
        changed.signalAll();
        workers.execute(() -> {
            stopAll(toStop);
            deleteTree(app.repoDir);
            deleteTree(workDir.resolve("checkouts"), app.id + "-");
        });
    }

    // ------------------------------------------------------------------ snapshots and JSON

    private SimulatedApplication snapshot(App a) {
        Instant now = clock.instant();
        List<SimulatedInstance> instances = a.instances.stream().map(i -> new SimulatedInstance(i.id, i.dep.uuid,
                i.state, i.flavor.name(), i.commit, i.createdAt, i.upAt, i.stoppedAt, instanceBilled(i, now))).toList();
        List<SimulatedDeployment> deps = a.deployments.stream().map(d -> new SimulatedDeployment(d.index, d.uuid,
                d.state, d.action, d.commit, d.cause, d.date)).toList();
        return new SimulatedApplication(a.id, a.ownerId, a.name, a.creationBody.deepCopy(), Map.copyOf(a.env),
                a.maxFlavor.name(), a.zone, a.lifetime, a.state, instances, deps, a.gitUrl(), a.repoDir,
                Optional.ofNullable(a.endpoint), a.createdAt, a.deletedAt, billed(a));
    }

    private ObjectNode flavorJson(Flavor f) {
        ObjectNode n = JSON.createObjectNode();
        n.put("name", f.name());
        n.put("mem", f.mem());
        n.put("cpus", f.cpus());
        n.put("gpus", 0);
        n.put("disk", (Integer) null);
        n.put("price", f.pricePerHour());
        n.put("available", f.available());
        n.put("microservice", f.priceId().startsWith("apps.") ? false : true);
        n.put("machine_learning", false);
        n.put("nice", f.priceId().startsWith("apps.") ? 0 : 5);
        n.put("price_id", f.priceId());
        ObjectNode memory = n.putObject("memory");
        memory.put("unit", "B");
        memory.put("value", (long) f.mem() * 1024 * 1024);
        memory.put("formatted", f.mem() + " MiB");
        n.put("cpuFactor", 1.0);
        n.put("memFactor", 1.0);
        return n;
    }

    private ObjectNode variantJson(String id) {
        ObjectNode v = JSON.createObjectNode();
        boolean runner = HEPTAPOD_RUNNER_VARIANT.equals(id);
        v.put("id", id);
        v.put("slug", runner ? "heptapod-runner" : "docker");
        v.put("name", runner ? "Heptapod Runner" : "Docker");
        v.put("deployType", "docker");
        v.put("logo", "https://assets.clever-cloud.com/logos/docker.svg");
        return v;
    }

    private ObjectNode appJson(App a) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", a.id);
        n.put("name", a.name);
        n.put("description", a.description);
        n.put("zone", a.zone);
        n.put("zoneId", "zone_" + UUID.nameUUIDFromBytes(a.zone.getBytes(StandardCharsets.UTF_8)));
        n.put("ownerId", a.ownerId);
        ObjectNode inst = n.putObject("instance");
        inst.put("type", a.instanceType);
        inst.put("version", a.instanceVersion);
        inst.set("variant", variantJson(a.variant));
        inst.put("minInstances", a.minInstances);
        inst.put("maxInstances", a.maxInstances);
        inst.put("maxAllowedInstances", 40);
        inst.set("minFlavor", flavorJson(a.minFlavor));
        inst.set("maxFlavor", flavorJson(a.maxFlavor));
        ArrayNode fl = inst.putArray("flavors");
        flavorsByContext.values().stream().flatMap(List::stream).forEach(f -> fl.add(flavorJson(f)));
        inst.putObject("defaultEnv");
        inst.put("lifetime", a.lifetime);
        inst.put("instanceAndVersion", a.instanceType + "-" + a.instanceVersion);
        ObjectNode dep = n.putObject("deployment");
        dep.put("shutdownable", a.shutdownable);
        dep.put("type", "GIT");
        dep.put("repoState", clock.instant().isBefore(a.createdAt.plus(repoCreationDelay)) ? "CREATING" : "CREATED");
        dep.put("url", a.gitUrl().toString());
        dep.put("httpUrl", git.url(a.id));
        ArrayNode vhosts = n.putArray("vhosts");
        if (a.endpoint != null) {
            vhosts.addObject().put("fqdn", a.endpoint.getHost() + (a.endpoint.getPort() < 0 ? "" : ":" + a.endpoint.getPort()) + "/");
        }
        vhosts.addObject().put("fqdn", a.id.replace('_', '-') + ".cleverapps.io/");
        n.put("creationDate", a.createdAt.toEpochMilli());
        Dep last = a.deployments.isEmpty() ? null : a.deployments.get(a.deployments.size() - 1);
        n.put("last_deploy", last == null ? 0 : last.index);
        n.put("archived", false);
        n.put("stickySessions", a.creationBody.path("stickySessions").asBoolean(false));
        n.put("homogeneous", a.creationBody.path("homogeneous").asBoolean(false));
        n.put("favourite", a.creationBody.path("favourite").asBoolean(false));
        n.put("cancelOnPush", a.creationBody.path("cancelOnPush").asBoolean(false));
        n.putNull("webhookUrl");
        n.putNull("webhookSecret");
        n.put("separateBuild", a.creationBody.path("separateBuild").asBoolean(false));
        n.set("buildFlavor", flavorJson(a.maxFlavor));
        n.put("state", a.state);
        if (last == null) {
            n.putNull("commitId");
        } else {
            n.put("commitId", last.commit);
        }
        n.putNull("appliance");
        n.put("branch", a.branch);
        n.put("forceHttps", a.creationBody.path("forceHttps").asText("DISABLED"));
        n.set("env", envJson(a));
        if (a.endpoint == null) {
            n.putNull("deployUrl");
        } else {
            n.put("deployUrl", a.endpoint.toString());
        }
        return n;
    }

    private ArrayNode envJson(App a) {
        ArrayNode env = JSON.createArrayNode();
        a.env.forEach((k, v) -> env.addObject().put("name", k).put("value", v));
        return env;
    }

    private ObjectNode instanceJson(App a, Inst i) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", i.id);
        n.put("appId", a.id);
        n.put("ip", "127.0.0.1");
        n.put("appPort", 8080);
        n.put("state", i.state);
        ObjectNode f = n.putObject("flavor");
        f.put("name", i.flavor.name());
        f.put("mem", i.flavor.mem());
        f.put("cpus", i.flavor.cpus());
        f.put("price", i.flavor.pricePerHour());
        n.put("commit", i.commit);
        n.put("deployNumber", i.deployNumber);
        n.put("deployId", i.dep.uuid);
        n.put("instanceNumber", 0);
        n.put("displayName", "Simulated " + i.id.substring(0, 8));
        n.put("creationDate", i.createdAt.toEpochMilli());
        return n;
    }

    private ObjectNode deploymentJson(Dep d) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", d.index);
        n.put("uuid", d.uuid);
        n.put("date", d.date.toEpochMilli());
        n.put("state", d.state);
        n.put("action", d.action);
        n.put("commit", d.commit);
        n.put("cause", d.cause);
        n.put("instances", 1);
        n.putObject("author").put("id", userId).put("name", "Simulated user");
        return n;
    }

    // ------------------------------------------------------------------ HTTP

    private void handle(HttpExchange http) {
        Exchange ex = new Exchange(http);
        try {
            CleverFaults.Action fault = faults.take(ex.route.endpoint);
            if (fault != null) {
                switch (fault.kind()) {
                    case DELAY -> Thread.sleep(fault.delay().toMillis());
                    case DROP -> {
                        ex.readBody();
                        ex.drop();
                        return;
                    }
                    case RESPOND -> {
                        ex.readBody();
                        byte[] body = fault.body() != null ? fault.body().getBytes(StandardCharsets.UTF_8)
                                : error(fault.status(), "Simulated failure (" + fault.status() + ")");
                        ex.send(fault.status(), fault.headers(), body);
                        return;
                    }
                }
            }
            dispatch(ex);
        } catch (CleverError e) {
            ex.sendError(e.status, e.id, e.getMessage(), e.fields);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ex.sendError(503, 503, "Service unavailable", null);
        } catch (IOException e) {
            LOG.debug("I/O error on {} {}: {}", ex.method, ex.path, e.toString());
        } catch (RuntimeException e) {
            if (!closed) {
                LOG.warn("Clever Cloud simulator failed on {} {}", ex.method, ex.path, e);
            }
            ex.sendError(500, 500, "Internal error", null);
        } finally {
            ex.finish();
        }
    }

    private void dispatch(Exchange ex) throws IOException {
        Route r = ex.route;
        if (r.endpoint == CleverEndpoint.UNKNOWN) {
            ex.readBody();
            throw new CleverError(404, 4040, "Not Found: " + ex.method + " " + ex.path);
        }
        boolean product = r.endpoint == CleverEndpoint.PRODUCT_FLAVORS || r.endpoint == CleverEndpoint.PRODUCT_INSTANCES
                || r.endpoint == CleverEndpoint.PRODUCT_ZONES;
        if (!product && !authenticated(ex)) {
            ex.readBody();
            throw new CleverError(401, 3001, "You are not logged in or your credentials are invalid");
        }
        if (r.owner != null && !r.owner.equals(userId) && !organisations.containsKey(r.owner)) {
            ex.readBody();
            throw new CleverError(403, 3002, "You are not a member of organisation " + r.owner);
        }
        switch (r.endpoint) {
            case SELF -> ex.sendJson(200, self());
            case ORGANISATIONS -> organisations(ex);
            case PRODUCT_INSTANCES -> ex.sendJson(200, instanceTypes());
            case PRODUCT_FLAVORS -> productFlavors(ex);
            case PRODUCT_ZONES -> {
                ArrayNode a = JSON.createArrayNode();
                zones.forEach(z -> a.addObject().put("name", z).put("internal", false).put("correspondingRegion", z));
                ex.sendJson(200, a);
            }
            case APPLICATIONS_LIST -> listApplications(ex);
            case APPLICATION_CREATE -> createApplication(ex);
            case APPLICATION_GET -> withApp(ex, app -> appJson(app));
            case APPLICATION_UPDATE -> updateApplication(ex);
            case APPLICATION_DELETE -> deleteApplication(ex);
            case ENV_GET -> withApp(ex, this::envJson);
            case ENV_REPLACE -> replaceEnv(ex);
            case ENV_VAR_PUT, ENV_VAR_DELETE -> oneVariable(ex);
            case INSTANCES_LIST -> listInstances(ex);
            case INSTANCES_START -> startInstances(ex);
            case INSTANCES_STOP -> stopApplication(ex);
            case DEPLOYMENTS_LIST -> withApp(ex, app -> {
                ArrayNode arr = JSON.createArrayNode();
                List<Dep> deps = new ArrayList<>(app.deployments);
                deps.sort(Comparator.comparingInt((Dep d) -> d.index).reversed());
                int offset = intParam(ex, "offset", 0);
                int limit = intParam(ex, "limit", Integer.MAX_VALUE);
                deps.stream().skip(offset).limit(limit).forEach(d -> arr.add(deploymentJson(d)));
                return arr;
            });
            case DEPLOYMENT_GET -> withApp(ex, app -> deploymentJson(findDeployment(app, r.sub)));
            case DEPLOYMENT_CANCEL -> cancelDeployment(ex);
            default -> throw new CleverError(404, 4040, "Not Found");
        }
    }

    private boolean authenticated(Exchange ex) {
        String auth = ex.header("Authorization");
        if (auth == null) {
            return false;
        }
        if (auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String t = auth.substring(7).trim();
            return apiTokens.stream().anyMatch(k -> OAuth1.same(k, t));
        }
        if (auth.regionMatches(true, 0, "token ", 0, 6)) {
            String t = auth.substring(6).trim();
            return organisationTokens.stream().anyMatch(k -> OAuth1.same(k, t));
        }
        Map<String, String> p = OAuth1.parse(auth);
        if (p == null) {
            return false;
        }
        String method = p.getOrDefault("oauth_signature_method", "PLAINTEXT").toUpperCase(Locale.ROOT);
        String signature = p.get("oauth_signature");
        for (OAuthCredentials c : oauth) {
            if (!c.consumerKey.equals(p.get("oauth_consumer_key")) || !c.token.equals(p.get("oauth_token"))) {
                continue;
            }
            String key = OAuth1.key(c.consumerSecret, c.tokenSecret);
            switch (method) {
                case "PLAINTEXT" -> {
                    return OAuth1.same(key, signature);
                }
                case "HMAC-SHA512", "HMAC-SHA1" -> {
                    String alg = method.equals("HMAC-SHA512") ? "HmacSHA512" : "HmacSHA1";
                    String host = ex.header("Host") == null ? url().substring(7) : ex.header("Host").toLowerCase(Locale.ROOT);
                    String base = "http://" + host + ex.path;
                    String withQuery = OAuth1.sign(alg, key, OAuth1.baseString(ex.method, base, p, OAuth1.query(ex.query)));
                    String without = OAuth1.sign(alg, key, OAuth1.baseString(ex.method, base, p, List.of()));
                    return OAuth1.same(withQuery, signature) || OAuth1.same(without, signature);
                }
                default -> {
                    return false;
                }
            }
        }
        return false;
    }

    private ObjectNode self() {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", userId);
        n.put("email", "simulated-user@example.org");
        n.put("name", "Simulated user");
        n.put("phone", "");
        n.put("address", "");
        n.put("city", "");
        n.put("zipcode", "");
        n.put("country", "FRANCE");
        n.put("avatar", "");
        n.put("creationDate", 0L);
        n.put("lang", "EN");
        n.put("emailValidated", true);
        n.put("oauthApps", JSON.createArrayNode().toString());
        n.put("admin", false);
        n.put("canPay", true);
        n.put("preferredMFA", "NONE");
        n.put("hasPassword", true);
        return n;
    }

    private void organisations(Exchange ex) throws IOException {
        if (ex.route.owner != null) {
            ex.sendJson(200, orgJson(ex.route.owner));
            return;
        }
        ArrayNode arr = JSON.createArrayNode();
        arr.add(orgJson(userId));
        organisations.keySet().forEach(o -> arr.add(orgJson(o)));
        ex.sendJson(200, arr);
    }

    private ObjectNode orgJson(String id) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", id);
        n.put("name", organisations.getOrDefault(id, "Personal space"));
        n.put("description", "");
        n.put("billingEmail", "billing@example.org");
        n.put("address", "");
        n.put("city", "Nantes");
        n.put("zipcode", "44000");
        n.put("country", "FRANCE");
        n.put("company", "");
        n.put("VAT", "");
        n.put("avatar", "");
        n.put("vatState", "NOT_NEEDED");
        n.put("customerFullName", "");
        n.put("canPay", true);
        n.put("cleverEnterprise", false);
        n.put("emergencyNumber", "");
        n.put("canSEPA", false);
        n.put("isTrusted", true);
        return n;
    }

    private ArrayNode instanceTypes() {
        ArrayNode arr = JSON.createArrayNode();
        ObjectNode t = arr.addObject();
        t.put("type", "docker");
        t.put("version", dockerVersion);
        t.put("name", "Docker");
        t.set("variant", variantJson(DOCKER_VARIANT));
        t.put("description", "Docker (simulated)");
        t.put("enabled", true);
        t.put("comingSoon", false);
        t.put("maxInstances", 40);
        t.putArray("tags").add("docker");
        t.putArray("deployments").add("git");
        List<Flavor> regular = flavors("");
        ArrayNode fl = t.putArray("flavors");
        regular.forEach(f -> fl.add(flavorJson(f)));
        if (!regular.isEmpty()) {
            Flavor def = regular.stream().filter(f -> f.shortName().equals("XS")).findFirst().orElse(regular.get(0));
            t.set("defaultFlavor", flavorJson(def));
            t.set("buildFlavor", flavorJson(def));
        }
        return arr;
    }

    private void productFlavors(Exchange ex) throws IOException {
        String context = ex.queryParam("context");
        ArrayNode arr = JSON.createArrayNode();
        flavors(context == null ? "" : context).forEach(f -> arr.add(flavorJson(f)));
        ex.sendJson(200, arr);
    }

    private Flavor findFlavor(String name) {
        return flavorsByContext.values().stream().flatMap(List::stream)
                .filter(f -> f.name().equalsIgnoreCase(name)).findFirst().orElse(null);
    }

    private void listApplications(Exchange ex) throws IOException {
        ex.readBody();
        ArrayNode arr = JSON.createArrayNode();
        lock.lock();
        try {
            apps.values().stream().filter(a -> a.ownerId.equals(ex.route.owner)).forEach(a -> arr.add(appJson(a)));
        } finally {
            lock.unlock();
        }
        ex.sendJson(200, arr);
    }

    /** Validates a create or update body; {@code previous} is null on create. Returns the resolved fields. */
    private App validate(JsonNode body, App previous) {
        Map<String, String> fields = new LinkedHashMap<>();
        java.util.function.Function<String, String> text = name -> {
            JsonNode v = body.get(name);
            if (v != null && v.isTextual() && !v.asText().isBlank()) {
                return v.asText();
            }
            if (previous == null) {
                fields.put(name, "is required");
            }
            return null;
        };
        String name = text.apply("name");
        String zone = text.apply("zone");
        String deploy = text.apply("deploy");
        String type = text.apply("instanceType");
        String version = text.apply("instanceVersion");
        String minFlavorName = text.apply("minFlavor");
        String maxFlavorName = text.apply("maxFlavor");
        for (String f : List.of("minInstances", "maxInstances")) {
            JsonNode v = body.get(f);
            if (v == null && previous == null) {
                fields.put(f, "is required");
            } else if (v != null && (!v.canConvertToInt() || v.asInt() < 1)) {
                fields.put(f, "must be a positive integer");
            }
        }
        String lifetime = body.path("instanceLifetime").asText(previous == null ? "REGULAR" : previous.lifetime);
        if (!List.of("REGULAR", "MIGRATION", "TASK").contains(lifetime)) {
            fields.put("instanceLifetime", "must be one of REGULAR, MIGRATION, TASK");
        }
        if (deploy != null && !List.of("git", "ftp", "sftp").contains(deploy.toLowerCase(Locale.ROOT))) {
            fields.put("deploy", "must be git, ftp or sftp");
        }
        if (!fields.isEmpty()) {
            throw new CleverError(400, 4012, "Invalid application: " + fields, fields);
        }
        if (type != null && (!type.equals("docker") || !dockerVersion.equals(version))) {
            throw new CleverError(400, 9017, "The specified instance does not exist");
        }
        String variant = body.path("instanceVariant").asText(null);
        if (variant != null && !variant.equals(DOCKER_VARIANT) && !variant.equals(HEPTAPOD_RUNNER_VARIANT)) {
            // an unknown variant is refused as an unknown instance (the live answer's shape is not on record)
            throw new CleverError(400, 9017, "The specified instance does not exist");
        }
        if (zone != null && !zones.contains(zone)) {
            throw new CleverError(400, 4011, "Unknown zone '" + zone + "', possible zones are " + zones);
        }
        App a = new App();
        a.name = name;
        a.zone = zone;
        for (String[] pair : new String[][] {{"minFlavor", minFlavorName}, {"maxFlavor", maxFlavorName}}) {
            if (pair[1] == null) {
                continue;
            }
            Flavor f = findFlavor(pair[1]);
            if (f == null || !f.available()) {
                throw new CleverError(400, 4010, "Unknown or unavailable flavor '" + pair[1] + "'",
                        Map.of(pair[0], "unknown flavor"));
            }
            if (pair[0].equals("minFlavor")) {
                a.minFlavor = f;
            } else {
                a.maxFlavor = f;
            }
        }
        a.instanceType = type;
        a.instanceVersion = version;
        a.lifetime = lifetime;
        return a;
    }

    private void createApplication(Exchange ex) throws IOException {
        JsonNode body = ex.jsonBody();
        App v = validate(body, null);
        App a = v;
        a.id = "app_" + UUID.randomUUID();
        a.ownerId = ex.route.owner;
        a.creationBody = body.deepCopy();
        a.description = body.path("description").asText(a.name);
        a.variant = body.path("instanceVariant").asText(DOCKER_VARIANT);
        a.minInstances = body.path("minInstances").asInt(1);
        a.maxInstances = body.path("maxInstances").asInt(1);
        a.shutdownable = body.path("shutdownable").asBoolean(false);
        a.branch = body.path("branch").asText("master");
        a.createdAt = clock.instant();
        a.state = "SHOULD_BE_DOWN";
        JsonNode env = body.get("env");
        if (env != null && env.isObject()) {
            env.fields().forEachRemaining(e -> a.env.put(e.getKey(), e.getValue().asText()));
            checkEnvNames(a.env.keySet());
        }
        a.repoDir = workDir.resolve("repositories").resolve(a.id + ".git");
        try {
            Git.init().setBare(true).setDirectory(a.repoDir.toFile()).setInitialBranch(a.branch).call().close();
            a.repo = new FileRepositoryBuilder().setGitDir(a.repoDir.toFile()).setMustExist(true).build();
        } catch (Exception e) {
            throw new IllegalStateException("cannot create the repository of " + a.id, e);
        }
        ObjectNode json;
        lock.lock();
        try {
            apps.put(a.id, a);
            created.add(a);
            json = appJson(a);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        LOG.debug("created application {} ({})", a.id, a.name);
        ex.sendJson(200, json);
    }

    private void updateApplication(Exchange ex) throws IOException {
        JsonNode body = ex.jsonBody();
        App app;
        lock.lock();
        try {
            app = requireApp(ex);
        } finally {
            lock.unlock();
        }
        App v = validate(body, app);
        lock.lock();
        try {
            app = requireApp(ex);
            if (v.name != null) {
                app.name = v.name;
            }
            if (v.zone != null) {
                app.zone = v.zone;
            }
            if (v.minFlavor != null) {
                app.minFlavor = v.minFlavor;
            }
            if (v.maxFlavor != null) {
                app.maxFlavor = v.maxFlavor;
            }
            app.lifetime = v.lifetime;
            if (body.has("description")) {
                app.description = body.path("description").asText();
            }
            if (body.has("branch")) {
                app.branch = body.path("branch").asText();
            }
            if (body.has("minInstances")) {
                app.minInstances = body.path("minInstances").asInt();
            }
            if (body.has("maxInstances")) {
                app.maxInstances = body.path("maxInstances").asInt();
            }
            ex.sendJson(200, appJson(app));
        } finally {
            lock.unlock();
        }
    }

    private void deleteApplication(Exchange ex) throws IOException {
        ex.readBody();
        lock.lock();
        try {
            App app = requireApp(ex);
            if (faults.takeDeleteFailure()) {
                throw new CleverError(500, 5000, "Simulated failure: the application could not be deleted");
            }
            remove(app);
        } finally {
            lock.unlock();
        }
        ex.sendJson(200, message(302, "deleted", "success"));
    }

    private void replaceEnv(Exchange ex) throws IOException {
        JsonNode body = ex.jsonBody();
        Map<String, String> env = new LinkedHashMap<>();
        body.fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString()));
        checkEnvNames(env.keySet());
        lock.lock();
        try {
            App app = requireApp(ex);
            app.env.clear();
            app.env.putAll(env);
            ex.sendJson(200, appJson(app));
        } finally {
            lock.unlock();
        }
    }

    private void oneVariable(Exchange ex) throws IOException {
        String name = OAuth1.decode(ex.route.sub);
        String value = null;
        if (ex.route.endpoint == CleverEndpoint.ENV_VAR_PUT) {
            JsonNode body = ex.jsonBody();
            JsonNode v = body.get("value");
            if (v == null || v.isNull()) {
                throw new CleverError(400, 4012, "value is required", Map.of("value", "is required"));
            }
            value = v.asText();
            checkEnvNames(List.of(name));
        } else {
            ex.readBody();
        }
        lock.lock();
        try {
            App app = requireApp(ex);
            if (value == null) {
                app.env.remove(name);
            } else {
                app.env.put(name, value);
            }
            ObjectNode out = JSON.createObjectNode();
            out.set("env", envJson(app));
            ex.sendJson(200, out);
        } finally {
            lock.unlock();
        }
    }

    private static void checkEnvNames(Iterable<String> names) {
        Map<String, String> bad = new LinkedHashMap<>();
        for (String n : names) {
            if (!ENV_NAME.matcher(n).matches()) {
                bad.put(n, "must match [a-zA-Z0-9-_.]+");
            }
        }
        if (!bad.isEmpty()) {
            throw new CleverError(400, 557, "Application environment is invalid", bad);
        }
    }

    private void listInstances(Exchange ex) throws IOException {
        ex.readBody();
        String deploymentId = ex.queryParam("deploymentId");
        boolean withDeleted = "true".equals(ex.queryParam("withDeleted"));
        lock.lock();
        try {
            App app = requireApp(ex);
            ArrayNode arr = JSON.createArrayNode();
            for (Inst i : app.instances) {
                if ((withDeleted || i.stoppedAt == null) && (deploymentId == null || deploymentId.equals(i.dep.uuid))) {
                    arr.add(instanceJson(app, i));
                }
            }
            ex.sendJson(200, arr);
        } finally {
            lock.unlock();
        }
    }

    private void startInstances(Exchange ex) throws IOException {
        ex.readBody();
        App app;
        lock.lock();
        try {
            app = requireApp(ex);
        } finally {
            lock.unlock();
        }
        String commit = ex.queryParam("commit");
        if (commit == null) {
            commit = app.head();
        }
        if (commit == null) {
            throw new CleverError(400, 4013, "Nothing to deploy: no commit was pushed to the application");
        }
        lock.lock();
        try {
            app = requireApp(ex);
            app.lastSeenCommit = app.head() == null ? commit : app.head();
            Dep dep = deploy(app, commit, "restart");
            ObjectNode out = message(0, "The application is being deployed", "success");
            out.put("deploymentId", dep.uuid);
            ex.sendJson(200, out);
        } finally {
            lock.unlock();
        }
    }

    private void stopApplication(Exchange ex) throws IOException {
        ex.readBody();
        List<VmHandle> toStop = new ArrayList<>();
        lock.lock();
        try {
            App app = requireApp(ex);
            stopInstances(app, toStop);
            app.state = "SHOULD_BE_DOWN";
            Instant now = clock.instant();
            Dep dep = new Dep(app.deployments.size() + 1, "deployment_" + UUID.randomUUID(), "UNDEPLOY",
                    app.lastSeenCommit, "stop", now);
            dep.state = "OK";
            app.deployments.add(dep);
        } finally {
            lock.unlock();
        }
        stopAll(toStop);
        ex.sendJson(200, message(0, "The application has been stopped", "success"));
    }

    private void cancelDeployment(Exchange ex) throws IOException {
        ex.readBody();
        List<VmHandle> toStop = new ArrayList<>();
        lock.lock();
        try {
            App app = requireApp(ex);
            Dep dep = findDeployment(app, ex.route.sub);
            if ("WIP".equals(dep.state)) {
                for (Inst i : app.instances) {
                    if (i.dep == dep && i.stoppedAt == null) {
                        i.stoppedAt = clock.instant();
                        i.state = "DELETED";
                        if (i.vm != null) {
                            toStop.add(i.vm);
                        }
                    }
                }
                dep.state = "CANCELLED";
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
        stopAll(toStop);
        ex.sendJson(200, message(0, "The deployment has been cancelled", "success"));
    }

    private Dep findDeployment(App app, String id) {
        return app.deployments.stream().filter(d -> d.uuid.equals(id) || String.valueOf(d.index).equals(id))
                .findFirst().orElseThrow(() -> new CleverError(404, 4005, "Deployment not found"));
    }

    private interface AppView {
        JsonNode render(App app);
    }

    private void withApp(Exchange ex, AppView view) throws IOException {
        ex.readBody();
        JsonNode out;
        lock.lock();
        try {
            out = view.render(requireApp(ex));
        } finally {
            lock.unlock();
        }
        ex.sendJson(200, out);
    }

    /** Under the lock. */
    private App requireApp(Exchange ex) {
        App app = apps.get(ex.route.app);
        if (app == null || !app.ownerId.equals(ex.route.owner)) {
            throw new CleverError(404, 4004, "Application not found");
        }
        return app;
    }

    private static int intParam(Exchange ex, String name, int dflt) {
        String v = ex.queryParam(name);
        try {
            return v == null ? dflt : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    static ObjectNode message(int id, String message, String type) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", id);
        n.put("message", message);
        n.put("type", type);
        return n;
    }

    static byte[] error(int id, String message) {
        return message(id, message, "error").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A Clever-shaped error answer. */
    static final class CleverError extends RuntimeException {
        final int status;
        final int id;
        final Map<String, String> fields;

        CleverError(int status, int id, String message) {
            this(status, id, message, null);
        }

        CleverError(int status, int id, String message, Map<String, String> fields) {
            super(message, null, false, false);
            this.status = status;
            this.id = id;
            this.fields = fields;
        }
    }

    /** Where a request goes. */
    record Route(CleverEndpoint endpoint, String owner, String app, String sub) {

        static Route of(String method, String path, String userId) {
            if (!path.startsWith("/v2/")) {
                return new Route(CleverEndpoint.UNKNOWN, null, null, null);
            }
            List<String> p = new ArrayList<>(Arrays.asList(path.substring(4).split("/", -1)));
            if (!p.isEmpty() && p.get(p.size() - 1).isEmpty()) {
                p.remove(p.size() - 1);
            }
            boolean get = method.equals("GET");
            int n = p.size();
            if (n == 1 && p.get(0).equals("self")) {
                return get ? new Route(CleverEndpoint.SELF, null, null, null) : unknown();
            }
            if (n == 1 && p.get(0).equals("organisations")) {
                return get ? new Route(CleverEndpoint.ORGANISATIONS, null, null, null) : unknown();
            }
            if (n == 2 && p.get(0).equals("organisations")) {
                return get ? new Route(CleverEndpoint.ORGANISATIONS, p.get(1), null, null) : unknown();
            }
            if (n == 2 && p.get(0).equals("products") && get) {
                return switch (p.get(1)) {
                    case "instances" -> new Route(CleverEndpoint.PRODUCT_INSTANCES, null, null, null);
                    case "flavors" -> new Route(CleverEndpoint.PRODUCT_FLAVORS, null, null, null);
                    case "zones" -> new Route(CleverEndpoint.PRODUCT_ZONES, null, null, null);
                    default -> unknown();
                };
            }
            String owner;
            List<String> rest;
            if (n >= 2 && p.get(0).equals("self") && p.get(1).equals("applications")) {
                owner = userId;
                rest = p.subList(2, n);
            } else if (n >= 3 && p.get(0).equals("organisations") && p.get(2).equals("applications")) {
                owner = p.get(1);
                rest = p.subList(3, n);
            } else {
                return unknown();
            }
            int r = rest.size();
            String app = r >= 1 ? rest.get(0) : null;
            String kind = r >= 2 ? rest.get(1) : null;
            String sub = r >= 3 ? rest.get(2) : null;
            CleverEndpoint e = CleverEndpoint.UNKNOWN;
            if (r == 0) {
                e = switch (method) {
                    case "GET" -> CleverEndpoint.APPLICATIONS_LIST;
                    case "POST" -> CleverEndpoint.APPLICATION_CREATE;
                    default -> CleverEndpoint.UNKNOWN;
                };
            } else if (r == 1) {
                e = switch (method) {
                    case "GET" -> CleverEndpoint.APPLICATION_GET;
                    case "PUT" -> CleverEndpoint.APPLICATION_UPDATE;
                    case "DELETE" -> CleverEndpoint.APPLICATION_DELETE;
                    default -> CleverEndpoint.UNKNOWN;
                };
            } else if (r == 2 && kind.equals("env")) {
                e = switch (method) {
                    case "GET" -> CleverEndpoint.ENV_GET;
                    case "PUT" -> CleverEndpoint.ENV_REPLACE;
                    default -> CleverEndpoint.UNKNOWN;
                };
            } else if (r == 3 && kind.equals("env")) {
                e = switch (method) {
                    case "PUT" -> CleverEndpoint.ENV_VAR_PUT;
                    case "DELETE" -> CleverEndpoint.ENV_VAR_DELETE;
                    default -> CleverEndpoint.UNKNOWN;
                };
            } else if (r == 2 && kind.equals("instances")) {
                e = switch (method) {
                    case "GET" -> CleverEndpoint.INSTANCES_LIST;
                    case "POST" -> CleverEndpoint.INSTANCES_START;
                    case "DELETE" -> CleverEndpoint.INSTANCES_STOP;
                    default -> CleverEndpoint.UNKNOWN;
                };
            } else if (r == 2 && kind.equals("deployments") && get) {
                e = CleverEndpoint.DEPLOYMENTS_LIST;
            } else if (r == 3 && kind.equals("deployments") && get) {
                e = CleverEndpoint.DEPLOYMENT_GET;
            } else if (r == 4 && kind.equals("deployments") && rest.get(3).equals("instances") && method.equals("DELETE")) {
                e = CleverEndpoint.DEPLOYMENT_CANCEL;
            }
            return new Route(e, owner, app, sub);
        }

        private static Route unknown() {
            return new Route(CleverEndpoint.UNKNOWN, null, null, null);
        }
    }

    private final class Exchange {
        final HttpExchange http;
        final Instant time = Instant.now();
        final String method;
        final String path;
        final String query;
        final Route route;
        byte[] body;
        boolean responded;
        int status;
        boolean recordedOnce;

        Exchange(HttpExchange http) {
            this.http = http;
            this.method = http.getRequestMethod();
            this.path = http.getRequestURI().getRawPath();
            this.query = http.getRequestURI().getRawQuery();
            this.route = Route.of(method, path, userId);
        }

        String header(String name) {
            return http.getRequestHeaders().getFirst(name);
        }

        String queryParam(String name) {
            for (String[] q : OAuth1.query(query)) {
                if (q[0].equals(name)) {
                    return q[1];
                }
            }
            return null;
        }

        byte[] readBody() throws IOException {
            if (body == null) {
                body = http.getRequestBody().readNBytes(16 * 1024 * 1024);
            }
            return body;
        }

        JsonNode jsonBody() throws IOException {
            byte[] b = readBody();
            try {
                JsonNode n = b.length == 0 ? JSON.createObjectNode() : JSON.readTree(b);
                if (n == null || !n.isObject()) {
                    throw new CleverError(400, 4000, "The body must be a JSON object");
                }
                return n;
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new CleverError(400, 4000, "The body is not valid JSON");
            }
        }

        void sendJson(int status, JsonNode json) throws IOException {
            send(status, Map.of(), JSON.writeValueAsBytes(json));
        }

        void sendError(int status, int id, String message, Map<String, String> fields) {
            ObjectNode n = message(id, message, "error");
            if (fields != null) {
                ObjectNode f = n.putObject("fields");
                fields.forEach(f::put);
            }
            try {
                readBody();
                send(status, Map.of(), JSON.writeValueAsBytes(n));
            } catch (IOException e) {
                LOG.debug("cannot send {} on {} {}: {}", status, method, path, e.toString());
            }
        }

        void send(int status, Map<String, String> headers, byte[] bytes) throws IOException {
            if (responded) {
                throw new IllegalStateException("already responded");
            }
            responded = true;
            this.status = status;
            var out = http.getResponseHeaders();
            out.set("Content-Type", "application/json; charset=utf-8");
            out.set("Sozu-Id", UUID.randomUUID().toString());
            headers.forEach(out::set);
            record();
            http.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                try (OutputStream os = http.getResponseBody()) {
                    os.write(bytes);
                }
            }
        }

        void drop() {
            responded = true;
            status = CleverRequest.DROPPED;
            record();
            http.close();
        }

        void finish() {
            if (!responded) {
                sendError(500, 500, "Internal error", null);
            }
            http.close();
            record();
        }

        private void record() {
            if (recordedOnce) {
                return;
            }
            recordedOnce = true;
            CleverRequest r = new CleverRequest(route.endpoint, method, path, query, http.getRequestHeaders(),
                    body == null ? new byte[0] : body, status, time);
            synchronized (recorded) {
                recorded.add(r);
            }
            LOG.debug("{} {} -> {}", method, path, status);
        }
    }

    // ------------------------------------------------------------------ state

    private static final class App {
        String id;
        String ownerId;
        String name;
        String description;
        JsonNode creationBody;
        String zone;
        String instanceType;
        String instanceVersion;
        String variant;
        String lifetime;
        int minInstances;
        int maxInstances;
        boolean shutdownable;
        String branch;
        Flavor minFlavor;
        Flavor maxFlavor;
        String state;
        final Map<String, String> env = new LinkedHashMap<>();
        final List<Inst> instances = new ArrayList<>();
        final List<Dep> deployments = new ArrayList<>();
        Path repoDir;
        Repository repo;
        String lastSeenCommit;
        URI endpoint;
        Instant createdAt;
        Instant deletedAt;

        URI gitUrl() {
            return repoDir.toUri();
        }

        /** The commit of {@code refs/heads/<branch>}, else of the first branch; null when nothing was pushed. */
        synchronized String head() {
            if (repo == null) {
                return null;
            }
            try {
                Ref ref = repo.exactRef(Constants.R_HEADS + branch);
                if (ref == null) {
                    List<Ref> heads = repo.getRefDatabase().getRefsByPrefix(Constants.R_HEADS);
                    ref = heads.isEmpty() ? null : heads.get(0);
                }
                return ref == null || ref.getObjectId() == null ? null : ref.getObjectId().name();
            } catch (IOException e) {
                return null;
            }
        }

        Path checkout(String commit, Path dir) throws Exception {
            deleteTree(dir);
            try (Git git = Git.cloneRepository().setURI(repoDir.toUri().toString()).setDirectory(dir.toFile())
                    .setNoCheckout(true).call()) {
                git.checkout().setName(commit).call();
            }
            return dir;
        }

        synchronized void closeRepository() {
            if (repo != null) {
                repo.close();
                repo = null;
            }
        }
    }

    private static final class Inst {
        final String id;
        final Dep dep;
        final Flavor flavor;
        final String commit;
        final Instant createdAt;
        final int deployNumber;
        String state = "BOOTING";
        Instant upAt;
        Instant stoppedAt;
        VmHandle vm;

        Inst(String id, Dep dep, Flavor flavor, String commit, Instant createdAt, int deployNumber) {
            this.id = id;
            this.dep = dep;
            this.flavor = flavor;
            this.commit = commit;
            this.createdAt = createdAt;
            this.deployNumber = deployNumber;
        }
    }

    private static final class Dep {
        final int index;
        final String uuid;
        final String action;
        final String commit;
        final String cause;
        final Instant date;
        String state = "WIP";

        Dep(int index, String uuid, String action, String commit, String cause, Instant date) {
            this.index = index;
            this.uuid = uuid;
            this.action = action;
            this.commit = commit;
            this.cause = cause;
            this.date = date;
        }
    }

    private record OAuthCredentials(String consumerKey, String consumerSecret, String token, String tokenSecret) {
    }

    static void deleteTree(Path dir) {
        deleteTree(dir, null);
    }

    /** Deletes {@code dir}, or when {@code childPrefix} is given, its children whose names start with it. */
    static void deleteTree(Path dir, String childPrefix) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder())
                    .filter(p -> childPrefix == null || (!p.equals(dir)
                            && dir.relativize(p).getName(0).toString().startsWith(childPrefix)))
                    .forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            LOG.debug("cannot delete {}: {}", dir, e.toString());
        }
    }

    // ------------------------------------------------------------------ builder

    /** Builder of a {@link CleverCloudSimulator}. */
    public static final class Builder {
        private final Map<String, String> organisations = new LinkedHashMap<>();
        private String userId = "user_00000000-0000-4000-8000-00000000c1e0";
        private final List<String> apiTokens = new ArrayList<>();
        private final List<String> organisationTokens = new ArrayList<>();
        private final List<OAuthCredentials> oauth = new ArrayList<>();
        private final Map<String, List<Flavor>> flavors = new LinkedHashMap<>();
        private List<String> zones = List.of("par", "parhds", "grahds", "rbx", "rbxhds", "scw", "ldn", "mtl", "sgp",
                "syd", "wsw");
        private Duration bootTime = Duration.ofSeconds(2);
        private Duration repoCreationDelay = Duration.ZERO;
        private Clock clock = Clock.systemUTC();
        private VmLauncher launcher = VmLauncher.dummy();
        private String dockerVersion = "20231213";
        private Path workDir;

        /** Adds an organisation ({@code orga_…}); default: one simulated organisation. */
        public Builder organisation(String id) {
            return organisation(id, "Organisation " + id);
        }

        public Builder organisation(String id, String name) {
            if (!id.startsWith("orga_")) {
                throw new IllegalArgumentException("organisation ids start with orga_");
            }
            organisations.put(id, name);
            return this;
        }

        /** The personal space's id ({@code user_…}). */
        public Builder userId(String id) {
            this.userId = Objects.requireNonNull(id);
            return this;
        }

        /** Accepts {@code Authorization: Bearer <token>}. */
        public Builder apiToken(String token) {
            apiTokens.add(Objects.requireNonNull(token));
            return this;
        }

        /** Accepts {@code Authorization: token <token>} (the Heptapod runner's per-organisation token). */
        public Builder organisationToken(String token) {
            organisationTokens.add(Objects.requireNonNull(token));
            return this;
        }

        /** Accepts OAuth1 requests signed with these credentials (PLAINTEXT, HMAC-SHA512, HMAC-SHA1). */
        public Builder oauth(String consumerKey, String consumerSecret, String token, String tokenSecret) {
            oauth.add(new OAuthCredentials(Objects.requireNonNull(consumerKey), Objects.requireNonNull(consumerSecret),
                    Objects.requireNonNull(token), Objects.requireNonNull(tokenSecret)));
            return this;
        }

        /**
         * The flavors of {@code /v2/products/flavors?context=<context>} ({@code ""}: without context). Replaces the
         * default catalog (regular XS…3XL without context, {@code heptapod-runner-XS…3XL} for {@code heptapod-runner}).
         */
        public Builder flavors(String context, List<Flavor> list) {
            flavors.put(context, List.copyOf(list));
            return this;
        }

        public Builder zones(String... names) {
            this.zones = List.of(names);
            return this;
        }

        /** How long an instance stays BOOTING before the launcher is called (default 2 s). */
        public Builder bootTime(Duration d) {
            this.bootTime = Objects.requireNonNull(d);
            return this;
        }

        /** How long {@code deployment.repoState} stays CREATING after creation (default 0). */
        public Builder repoCreationDelay(Duration d) {
            this.repoCreationDelay = Objects.requireNonNull(d);
            return this;
        }

        /** The clock of timestamps and billing (timers use real time). */
        public Builder clock(Clock c) {
            this.clock = Objects.requireNonNull(c);
            return this;
        }

        public Builder launcher(VmLauncher l) {
            this.launcher = Objects.requireNonNull(l);
            return this;
        }

        /** The version of the Docker instance type, required as {@code instanceVersion}. */
        public Builder dockerVersion(String v) {
            this.dockerVersion = Objects.requireNonNull(v);
            return this;
        }

        /** Where repositories and checkouts go (default: a temporary directory deleted on close). */
        public Builder workDir(Path dir) {
            this.workDir = dir;
            return this;
        }

        public CleverCloudSimulator start() {
            return new CleverCloudSimulator(this).start();
        }
    }
}
