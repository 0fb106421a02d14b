package org.cleverrunner.clevercloud.provisioner;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.cleverrunner.clevercloud.Application;
import org.cleverrunner.clevercloud.ApplicationCreation;
import org.cleverrunner.clevercloud.CleverCloudApiException;
import org.cleverrunner.clevercloud.CleverCloudClient;
import org.cleverrunner.clevercloud.CleverCloudException;
import org.cleverrunner.clevercloud.Instance;
import org.cleverrunner.clevercloud.InstanceLifetime;
import org.cleverrunner.clevercloud.InstanceState;
import org.cleverrunner.clevercloud.InstanceType;
import org.cleverrunner.spi.Flavor;
import org.cleverrunner.spi.FlavoredProvisioner;
import org.cleverrunner.spi.Host;
import org.cleverrunner.spi.HostProvisioningException;
import org.cleverrunner.spi.HostRequest;
import org.cleverrunner.spi.ReapingProvisioner;
import org.cleverrunner.spi.Secret;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code clever-cloud}: one Clever Cloud VM per job. Creates a docker application (lifetime TASK, one instance of
 * the job's flavor, named {@code <prefix>-<runner id>-<job id>} so that a restart finds it again), gives it the
 * gateway's fresh token, pushes the gateway's build context, waits for an instance to be UP and the gateway to
 * answer, and hands the executor {@code https://<vhost>} with that token. Releasing deletes the application.
 * Whatever fails or is interrupted while provisioning, the application is deleted before the error is thrown.
 */
public final class CleverCloudProvisioner implements FlavoredProvisioner, ReapingProvisioner {

    private static final Logger LOG = LoggerFactory.getLogger(CleverCloudProvisioner.class);
    private static final Pattern FLAVOR = Pattern.compile("[0-9A-Z]{1,4}");
    private static final Duration FLAVOR_CACHE = Duration.ofMinutes(10);
    private static final int ATTEMPTS = 5;
    /** The API's error for an instance type or version it does not offer (any more). */
    static final int RETIRED_INSTANCE = 9017;

    private final CleverCloudClient client;
    private final ProvisionerSettings settings;
    private final SecureRandom random = new SecureRandom();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private volatile Map<String, Flavor> flavors;
    private volatile long flavorsFetchedAt;
    private volatile InstanceType dockerType;

    public CleverCloudProvisioner(CleverCloudClient client, ProvisionerSettings settings) {
        this.client = client;
        this.settings = settings;
    }

    // ------------------------------------------------------------------ flavors

    /** The flavors jobs may ask for, discovered from the products endpoint (cached), up to the maximum. */
    @Override
    public synchronized Map<String, Flavor> flavors() {
        if (flavors == null || System.nanoTime() - flavorsFetchedAt > FLAVOR_CACHE.toNanos()) {
            String prefix = settings.flavorContext() + "-";
            Map<String, Flavor> discovered = new LinkedHashMap<>();
            List<org.cleverrunner.clevercloud.Flavor> offered = new ArrayList<>(client.flavors(settings.flavorContext()));
            offered.sort(Comparator.comparing(f -> f.mem() == null ? 0 : f.mem()));
            for (org.cleverrunner.clevercloud.Flavor flavor : offered) {
                if (flavor.name() == null || !flavor.name().startsWith(prefix) || Boolean.FALSE.equals(flavor.available())
                        || flavor.mem() == null || flavor.mem() <= 0) {
                    continue;
                }
                String name = flavor.name().substring(prefix.length()).toUpperCase(Locale.ROOT);
                if (!FLAVOR.matcher(name).matches() || aboveMaximum(name)) {
                    continue;
                }
                double price = settings.prices().getOrDefault(name, 0.0);
                discovered.put(name, new Flavor(name, flavor.mem(), flavor.cpus() == null ? 0 : flavor.cpus(), price));
            }
            if (discovered.isEmpty()) {
                throw new HostProvisioningException("Clever Cloud offers no flavor for context '"
                        + settings.flavorContext() + "'");
            }
            flavors = Map.copyOf(discovered);
            flavorsFetchedAt = System.nanoTime();
        }
        return flavors;
    }

    @Override
    public String defaultFlavor() {
        return settings.defaultFlavor();
    }

    @Override
    public String currency() {
        return settings.currency();
    }

    private boolean aboveMaximum(String name) {
        if (settings.maxFlavor() == null) {
            return false;
        }
        int index = ProvisionerSettings.FLAVOR_ORDER.indexOf(name);
        int max = ProvisionerSettings.FLAVOR_ORDER.indexOf(settings.maxFlavor());
        return index < 0 || max >= 0 && index > max;
    }

    /** The job's flavor, or an error listing the valid ones; the asked value never goes further unchecked. */
    String checkFlavor(String asked) {
        Map<String, Flavor> offered = flavors();
        String name = asked == null || asked.isBlank() ? settings.defaultFlavor()
                : asked.strip().toUpperCase(Locale.ROOT);
        if (!FLAVOR.matcher(name).matches() || !offered.containsKey(name)) {
            List<String> valid = new ArrayList<>(offered.keySet());
            valid.sort(Comparator.comparingLong(f -> offered.get(f).memoryMiB()));
            throw new HostProvisioningException("CI_CLEVER_CLOUD_FLAVOR '" + printable(asked)
                    + "' is not a flavor this runner offers; valid choices: " + String.join(", ", valid));
        }
        return name;
    }

    // ------------------------------------------------------------------ acquire / release

    @Override
    public Host acquire(HostRequest request) throws InterruptedException {
        String flavor = checkFlavor(request.flavor());
        String name = settings.namePrefix() + "-" + request.runnerId() + "-" + request.jobId();
        Secret token = Secret.of(randomToken());
        Application app = createOrFind(name, flavor);
        try {
            retrying("set the environment of " + name,
                    () -> client.replaceEnvironment(settings.organisation(), app.id(), environment(token)));
            Application ready = retrying("wait for the repository of " + name,
                    () -> client.awaitRepositoryReady(settings.organisation(), app.id(), settings.repositoryTimeout(),
                            settings.pollInterval()))
                    .orElseThrow(() -> new HostProvisioningException("the deployment repository of " + name
                            + " was not ready within " + settings.repositoryTimeout()));
            push(ready);
            URI endpoint = awaitUp(app.id(), name);
            awaitGateway(endpoint, token, name);
            LOG.info("VM {} ({}) is up at {}", name, flavor, endpoint.getHost());
            return new Host(app.id(), endpoint, token, flavor, Map.of("application", name,
                    "organisation", settings.organisation()));
        } catch (InterruptedException | RuntimeException e) {
            deleteQuietly(app.id(), name);
            if (e instanceof InterruptedException interrupted) {
                throw interrupted;
            }
            if (e instanceof HostProvisioningException provisioning) {
                throw provisioning;
            }
            throw new HostProvisioningException("provisioning the VM " + name + " failed: " + e.getMessage(), e);
        }
    }

    /** Deletes the job's application, retrying; a 404 means it is already gone. Throws when it keeps failing. */
    @Override
    public void release(Host host) {
        CleverCloudException last = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                client.deleteApplication(settings.organisation(), host.id());
                return;
            } catch (CleverCloudException e) {
                last = e;
                LOG.warn("deleting VM {} failed (attempt {}): {}", host.id(), attempt, e.getMessage());
                sleepQuietly(Math.min(10_000, 500L << attempt));
            }
        }
        throw new HostProvisioningException("the VM " + host.id() + " could not be deleted: "
                + last.getMessage(), last);
    }

    /** Applications named after this runner that still exist. */
    @Override
    public List<Host> leftovers(String runnerId) {
        String prefix = settings.namePrefix() + "-" + runnerId + "-";
        List<Host> hosts = new ArrayList<>();
        for (Application app : client.applications(settings.organisation())) {
            if (app.name() != null && app.name().startsWith(prefix)) {
                hosts.add(new Host(app.id(), URI.create(settings.endpointScheme() + "://"
                        + Application.cleverAppsHost(app.id()).replaceAll("/+$", "")), null, null,
                        Map.of("application", app.name(), ReapingProvisioner.JOB_ATTRIBUTE,
                                app.name().substring(prefix.length()))));
            }
        }
        return hosts;
    }

    // ------------------------------------------------------------------ steps

    /** Creates the application, or finds it when a previous attempt (or a previous run) already did. */
    private Application createOrFind(String name, String flavor) {
        RuntimeException last = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            Optional<Application> existing = findByName(name);
            if (existing.isPresent()) {
                return existing.get();
            }
            try {
                return client.createApplication(settings.organisation(), ApplicationCreation.builder(name)
                        .zone(settings.zone()).instance(dockerType()).instanceVariant(settings.instanceVariant())
                        .instances(1)
                        .flavor(settings.flavorContext() + "-" + flavor).instanceLifetime(InstanceLifetime.TASK)
                        .build());
            } catch (CleverCloudException e) {
                last = e;
                if (e instanceof CleverCloudApiException api && Integer.valueOf(RETIRED_INSTANCE).equals(api.errorId())) {
                    // the docker version cached at the first job was retired: read the current one
                    LOG.info("Clever Cloud no longer offers docker {}; reading the current version",
                            dockerType == null ? "?" : dockerType.version());
                    dockerType = null;
                }
                LOG.warn("creating VM {} failed (attempt {}): {}", name, attempt, e.getMessage());
                sleepQuietly(Math.min(5_000, 250L << attempt));
            }
        }
        throw new HostProvisioningException("the VM " + name + " could not be created: " + last.getMessage(), last);
    }

    private Optional<Application> findByName(String name) {
        return retrying("list applications", () -> client.applications(settings.organisation())).stream()
                .filter(app -> name.equals(app.name())).findFirst();
    }

    private InstanceType dockerType() {
        if (dockerType == null) {
            dockerType = retrying("list instance types", client::instanceTypes).stream()
                    .filter(type -> "docker".equals(type.type()) && !Boolean.FALSE.equals(type.enabled()))
                    .max(Comparator.comparing(InstanceType::version))
                    .orElseThrow(() -> new HostProvisioningException("Clever Cloud offers no docker instance type"));
        }
        return dockerType;
    }

    private Map<String, String> environment(Secret token) {
        Map<String, String> env = new LinkedHashMap<>(settings.extraEnvironment());
        env.put("CC_MOUNT_DOCKER_SOCKET", "true");
        // the previous runner's README calls it required on the Heptapod Runner variant
        env.put("CC_ENABLE_HEPTAPOD_RUNNER", "true");
        env.put("GATEWAY_TOKEN", token.reveal());
        env.put("GATEWAY_PORT", "8080");
        return env;
    }

    /** Pushes the Dockerfile and the gateway jar as one commit to the application's deployment repository. */
    private void push(Application app) {
        String url = app.gitDeploymentUrl().orElseThrow(() -> new HostProvisioningException("the application "
                + app.name() + " has no deployment repository"));
        Path context = null;
        try {
            context = Files.createTempDirectory("clever-runner-gateway");
            try (InputStream dockerfile = getClass().getResourceAsStream("Dockerfile")) {
                Files.copy(dockerfile, context.resolve("Dockerfile"));
            }
            if (settings.gatewayJar() != null) {
                Files.copy(settings.gatewayJar(), context.resolve("docker-gateway.jar"));
            }
            try (Git git = Git.init().setDirectory(context.toFile()).setInitialBranch("master").call()) {
                git.add().addFilepattern(".").call();
                git.commit().setMessage("clever-runner gateway").setAuthor("clever-runner", "runner@localhost")
                        .setCommitter("clever-runner", "runner@localhost").setSign(false).call();
                var push = git.push().setRemote(url).setRefSpecs(new org.eclipse.jgit.transport.RefSpec(
                        "refs/heads/master:refs/heads/master")).setForce(true)
                        .setTimeout((int) Math.max(30, settings.repositoryTimeout().toSeconds()));
                if (url.startsWith("http")) {
                    push.setCredentialsProvider(new UsernamePasswordCredentialsProvider(settings.push().username(),
                            settings.push().password().reveal()));
                }
                push.call();
            }
        } catch (IOException | GitAPIException e) {
            throw new HostProvisioningException("pushing the gateway to " + app.name() + " failed: "
                    + e.getMessage(), e);
        } finally {
            deleteRecursively(context);
        }
    }

    /** Polls the instances until one is UP; returns the endpoint its vhost gives. */
    private URI awaitUp(String appId, String name) throws InterruptedException {
        long deadline = System.nanoTime() + settings.bootTimeout().toNanos();
        while (System.nanoTime() < deadline) {
            List<Instance> instances = retrying("list instances", () -> client.instances(settings.organisation(),
                    appId));
            if (instances.stream().anyMatch(instance -> instance.state() == InstanceState.UP)) {
                Application app = retrying("read " + name, () -> client.application(settings.organisation(), appId));
                String fqdn = app.fqdns().isEmpty() ? Application.cleverAppsHost(appId) : app.fqdns().get(0);
                return URI.create(settings.endpointScheme() + "://" + fqdn.replaceAll("/+$", ""));
            }
            Thread.sleep(settings.pollInterval().toMillis());
        }
        throw new HostProvisioningException("the VM " + name + " was not UP within " + settings.bootTimeout());
    }

    /** Waits until the gateway answers its ping with the token (the route may lag behind the instance). */
    private void awaitGateway(URI endpoint, Secret token, String name) throws InterruptedException {
        long deadline = System.nanoTime() + settings.bootTimeout().toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<Void> response = http.send(HttpRequest.newBuilder(endpoint.resolve("/_ping"))
                        .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + token.reveal()).GET()
                        .build(), HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return;
                }
                last = "HTTP " + response.statusCode();
            } catch (IOException e) {
                last = e.getClass().getSimpleName();
            }
            Thread.sleep(settings.pollInterval().toMillis());
        }
        throw new HostProvisioningException("the gateway of " + name + " did not answer within "
                + settings.bootTimeout() + " (" + last + ")");
    }

    private void deleteQuietly(String appId, String name) {
        try {
            release(new Host(appId, URI.create("https://" + Application.cleverAppsHost(appId).replaceAll("/+$", "")),
                    null, null, Map.of()));
        } catch (RuntimeException e) {
            LOG.warn("the VM {} could not be deleted after a failed provisioning; the reaper will: {}", name,
                    e.getMessage());
        }
    }

    private <T> T retrying(String what, java.util.function.Supplier<T> call) {
        CleverCloudException last = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                return call.get();
            } catch (CleverCloudException e) {
                last = e;
                sleepQuietly(Math.min(5_000, 250L << attempt));
            }
        }
        throw new HostProvisioningException("cannot " + what + ": " + last.getMessage(), last);
    }

    private String randomToken() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Control characters and overlong values are never echoed as they are. */
    static String printable(String value) {
        if (value == null) {
            return "";
        }
        String cleaned = value.replaceAll("[^\\x20-\\x7e]", "?");
        return cleaned.length() > 20 ? cleaned.substring(0, 20) + "…" : cleaned;
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteRecursively(Path directory) {
        if (directory == null) {
            return;
        }
        try (var paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory
        }
    }
}
