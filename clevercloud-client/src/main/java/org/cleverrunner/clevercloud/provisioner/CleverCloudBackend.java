package org.cleverrunner.clevercloud.provisioner;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
import org.cleverrunner.clevercloud.Instance;
import org.cleverrunner.clevercloud.InstanceLifetime;
import org.cleverrunner.clevercloud.InstanceState;
import org.cleverrunner.clevercloud.InstanceType;
import org.cleverrunner.spi.Flavor;
import org.cleverrunner.spi.HostProvisioningException;
import org.cleverrunner.spi.Secret;
import org.cleverrunner.spi.Vm;
import org.cleverrunner.spi.VmBackend;
import org.cleverrunner.spi.VmSpec;
import org.cleverrunner.spi.VmStatus;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code clever-cloud}: Clever Cloud VMs as {@link VmBackend}. A VM is a docker application (lifetime TASK, one
 * instance of the job's flavor, in the configured instance variant) whose environment carries the gateway's token
 * and whose deployment repository gets the gateway's build context; it is running once an instance is UP, at
 * {@code https://<vhost>}. Names, readiness, retries, deletion on failure or cancel and reaping are the host
 * lifecycle's (runner-core); each call here is one attempt (over the client's own HTTP retries), and failures the
 * API will repeat (a 4xx other than 429) are final.
 */
public final class CleverCloudBackend implements VmBackend {

    private static final Logger LOG = LoggerFactory.getLogger(CleverCloudBackend.class);
    private static final Pattern FLAVOR = Pattern.compile("[0-9A-Z]{1,4}");
    private static final Duration FLAVOR_CACHE = Duration.ofMinutes(10);
    /** The API's error for an instance type or version it does not offer (any more). */
    static final int RETIRED_INSTANCE = 9017;

    private final CleverCloudClient client;
    private final ProvisionerSettings settings;
    private volatile Map<String, Flavor> flavors;
    private volatile long flavorsFetchedAt;
    private volatile InstanceType dockerType;

    public CleverCloudBackend(CleverCloudClient client, ProvisionerSettings settings) {
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

    // ------------------------------------------------------------------ the VM

    /** Creates the application (or finds it by name), sets its environment and pushes the gateway to it. */
    @Override
    public Vm create(VmSpec spec) throws InterruptedException {
        Application app = createOrFind(spec.name(), spec.flavor());
        call(() -> client.replaceEnvironment(settings.organisation(), app.id(), environment(spec.accessToken())));
        Application ready = call(() -> client.awaitRepositoryReady(settings.organisation(), app.id(),
                settings.repositoryTimeout(), settings.pollInterval()))
                .orElseThrow(() -> new IllegalStateException("the deployment repository of " + spec.name()
                        + " was not ready within " + org.cleverrunner.spi.Durations.human(
                                settings.repositoryTimeout())));
        push(ready);
        return vm(app);
    }

    /** Running once an instance is UP, at the vhost the application then has. */
    @Override
    public VmStatus status(Vm vm) {
        try {
            List<Instance> instances = client.instances(settings.organisation(), vm.id());
            if (instances.stream().noneMatch(instance -> instance.state() == InstanceState.UP)) {
                return VmStatus.booting(instances.isEmpty() ? "no instance yet" : "instances "
                        + instances.stream().map(i -> String.valueOf(i.state())).distinct().toList());
            }
            Application app = client.application(settings.organisation(), vm.id());
            String fqdn = app.fqdns().isEmpty() ? Application.cleverAppsHost(vm.id()) : app.fqdns().get(0);
            return VmStatus.running(URI.create(settings.endpointScheme() + "://" + fqdn.replaceAll("/+$", "")));
        } catch (CleverCloudApiException e) {
            if (e.isNotFound()) {
                return new VmStatus(VmStatus.State.GONE, null, "the application no longer exists");
            }
            throw e;
        }
    }

    @Override
    public List<Vm> list(String namePrefix) {
        List<Vm> vms = new ArrayList<>();
        for (Application app : client.applications(settings.organisation())) {
            if (app.name() != null && app.name().startsWith(namePrefix)) {
                vms.add(vm(app));
            }
        }
        return vms;
    }

    /** Deletes the application; a 404 means it is already gone. */
    @Override
    public void delete(Vm vm) {
        client.deleteApplication(settings.organisation(), vm.id());
    }

    private Vm vm(Application app) {
        return new Vm(app.id(), app.name(), null, Map.of("application", app.name(), "organisation",
                settings.organisation()));
    }

    // ------------------------------------------------------------------ steps

    /** Finds the application by name (a previous attempt or run created it), else creates it. */
    private Application createOrFind(String name, String flavor) {
        Optional<Application> existing = call(() -> client.applications(settings.organisation())).stream()
                .filter(app -> name.equals(app.name())).findFirst();
        if (existing.isPresent()) {
            return existing.get();
        }
        return call(() -> client.createApplication(settings.organisation(), ApplicationCreation.builder(name)
                .zone(settings.zone()).instance(dockerType()).instanceVariant(settings.instanceVariant())
                .instances(1).flavor(settings.flavorContext() + "-" + flavor)
                .instanceLifetime(InstanceLifetime.TASK).build()));
    }

    /**
     * One API call: a failure the API would repeat (4xx but 429) is final, others are the lifecycle's to retry; a
     * retired docker version (9017) forgets the cached one, so that the next attempt reads the current version.
     */
    private <T> T call(java.util.function.Supplier<T> request) {
        try {
            return request.get();
        } catch (CleverCloudApiException e) {
            if (Integer.valueOf(RETIRED_INSTANCE).equals(e.errorId())) {
                LOG.info("Clever Cloud no longer offers docker {}; the next attempt reads the current version",
                        dockerType == null ? "?" : dockerType.version());
                dockerType = null;
                throw e;
            }
            if (e.status() >= 400 && e.status() < 500 && e.status() != 429 && e.status() != 408) {
                throw new HostProvisioningException(e.getMessage(), e);
            }
            throw e;
        }
    }

    private InstanceType dockerType() {
        InstanceType type = dockerType;
        if (type == null) {
            type = call(client::instanceTypes).stream()
                    .filter(t -> "docker".equals(t.type()) && !Boolean.FALSE.equals(t.enabled()))
                    .max(Comparator.comparing(InstanceType::version))
                    .orElseThrow(() -> new HostProvisioningException("Clever Cloud offers no docker instance type"));
            dockerType = type;
        }
        return type;
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
