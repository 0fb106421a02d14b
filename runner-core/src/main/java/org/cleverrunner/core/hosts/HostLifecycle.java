package org.cleverrunner.core.hosts;

import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.cleverrunner.http.RetryPolicy;
import org.cleverrunner.http.Retrying;
import org.cleverrunner.http.Sleeper;
import org.cleverrunner.spi.Flavor;
import org.cleverrunner.spi.FlavoredProvisioner;
import org.cleverrunner.spi.Host;
import org.cleverrunner.spi.HostProvisioningException;
import org.cleverrunner.spi.HostRequest;
import org.cleverrunner.spi.ReapingProvisioner;
import org.cleverrunner.spi.Secret;
import org.cleverrunner.spi.Vm;
import org.cleverrunner.spi.VmBackend;
import org.cleverrunner.spi.VmSpec;
import org.cleverrunner.spi.VmStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The life of a VM-like host, the same for every cloud under a {@link VmBackend}: the job's flavor checked against
 * the backend's, a deterministic name ({@code <prefix>-<runner id>-<job id>}, so that a restart finds the VM again
 * and the reaper knows its owner), a fresh access token, creation with the one backoff, readiness (the backend says
 * running, then the endpoint answers the {@link HostProbe}) within one boot deadline, and deletion: with retries on
 * release, and at once, whatever happens, when provisioning fails or the job is canceled while the VM boots.
 */
public final class HostLifecycle implements FlavoredProvisioner, ReapingProvisioner {

    private static final Logger LOG = LoggerFactory.getLogger(HostLifecycle.class);
    private static final Pattern FLAVOR = Pattern.compile("[0-9A-Z]{1,4}");
    /** The attribute of a host naming its VM. */
    public static final String VM_NAME = "vm";
    /** The attribute of a host saying where it came from (a warm VM, a spare, a new one), for the job's log. */
    public static final String ORIGIN = "origin";

    private final VmBackend backend;
    private final Settings settings;
    private final Retrying creates;
    private final Retrying deletes;
    private final SecureRandom random = new SecureRandom();
    private final WarmPool pool;
    private volatile LaunchGate gate = LaunchGate.OPEN;
    private volatile PoolBilling poolBilling = PoolBilling.NONE;

    /**
     * How the lifecycle drives its backend.
     *
     * @param namePrefix the first part of every VM name
     * @param bootTimeout how long a VM may take from creation to an answering endpoint
     * @param pollInterval how often the backend is asked while a VM boots
     * @param createPolicy how often a transient creation failure is tried again
     * @param deletePolicy how often a failed deletion is tried again
     * @param probe what makes a running VM ready
     * @param clock the boot deadline's clock
     * @param sleeper waits between polls and retries
     * @param poolTick how often a warm pool creates spares and deletes expired idle hosts (10 s)
     * @param reuseProbe the check of a warm pool's host after each job and before the next
     *     ({@link HostProbe.Reuse#cleanEngine()})
     */
    public record Settings(String namePrefix, Duration bootTimeout, Duration pollInterval, RetryPolicy createPolicy,
            RetryPolicy deletePolicy, HostProbe probe, Clock clock, Sleeper sleeper, Duration poolTick,
            HostProbe.Reuse reuseProbe) {

        /** 3 creation attempts, 2 s to 10 s apart. */
        public static final RetryPolicy CREATE = new RetryPolicy(3, Duration.ofSeconds(2), Duration.ofSeconds(10),
                2.0);
        /** 5 deletion attempts, 1 s to 30 s apart. */
        public static final RetryPolicy DELETE = new RetryPolicy(5, Duration.ofSeconds(1), Duration.ofSeconds(30),
                2.0);

        public Settings {
            Objects.requireNonNull(namePrefix, "namePrefix");
            if (!namePrefix.matches("[a-z][a-z0-9-]{0,30}")) {
                throw new IllegalArgumentException("name prefix must be lower-case letters, digits and '-', got '"
                        + printable(namePrefix) + "'");
            }
            requirePositive(bootTimeout, "bootTimeout");
            requirePositive(pollInterval, "pollInterval");
            Objects.requireNonNull(createPolicy, "createPolicy");
            Objects.requireNonNull(deletePolicy, "deletePolicy");
            Objects.requireNonNull(probe, "probe");
            Objects.requireNonNull(clock, "clock");
            Objects.requireNonNull(sleeper, "sleeper");
            requirePositive(poolTick, "poolTick");
            Objects.requireNonNull(reuseProbe, "reuseProbe");
        }

        /** The defaults: prefix {@code clever-runner}, 10 minutes to boot, polls every 2 s, the gateway's ping. */
        public static Settings defaults() {
            return new Settings("clever-runner", Duration.ofMinutes(10), Duration.ofSeconds(2), CREATE, DELETE,
                    HostProbe.gatewayPing(), Clock.systemUTC(), Sleeper.SYSTEM, Duration.ofSeconds(10),
                    HostProbe.Reuse.cleanEngine());
        }

        public Settings withNamePrefix(String prefix) {
            return new Settings(prefix, bootTimeout, pollInterval, createPolicy, deletePolicy, probe, clock,
                    sleeper, poolTick, reuseProbe);
        }

        public Settings withBootTimeout(Duration timeout) {
            return new Settings(namePrefix, timeout, pollInterval, createPolicy, deletePolicy, probe, clock,
                    sleeper, poolTick, reuseProbe);
        }

        public Settings withPollInterval(Duration interval) {
            return new Settings(namePrefix, bootTimeout, interval, createPolicy, deletePolicy, probe, clock,
                    sleeper, poolTick, reuseProbe);
        }

        public Settings withRetries(RetryPolicy create, RetryPolicy delete) {
            return new Settings(namePrefix, bootTimeout, pollInterval, create, delete, probe, clock, sleeper,
                    poolTick, reuseProbe);
        }

        public Settings withProbe(HostProbe check) {
            return new Settings(namePrefix, bootTimeout, pollInterval, createPolicy, deletePolicy, check, clock,
                    sleeper, poolTick, reuseProbe);
        }

        public Settings withReuseProbe(HostProbe.Reuse check) {
            return new Settings(namePrefix, bootTimeout, pollInterval, createPolicy, deletePolicy, probe, clock,
                    sleeper, poolTick, check);
        }

        public Settings withPoolTick(Duration tick) {
            return new Settings(namePrefix, bootTimeout, pollInterval, createPolicy, deletePolicy, probe, clock,
                    sleeper, tick, reuseProbe);
        }

        public Settings withTime(Clock time, Sleeper waits) {
            return new Settings(namePrefix, bootTimeout, pollInterval, createPolicy, deletePolicy, probe,
                    time, waits, poolTick, reuseProbe);
        }

        private static void requirePositive(Duration value, String name) {
            Objects.requireNonNull(value, name);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, got " + value);
            }
        }
    }

    public HostLifecycle(VmBackend backend, Settings settings) {
        this(backend, settings, null, null);
    }

    /**
     * With a warm pool for the runner {@code runnerId} (its VMs are named {@code <prefix>-<runner id>-w<random>}),
     * started at once; the policy is checked against the backend's flavors first, every problem listed.
     */
    public HostLifecycle(VmBackend backend, Settings settings, org.cleverrunner.core.hosts.pool.PoolPolicy policy,
            String runnerId) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.creates = new Retrying(settings.createPolicy(), settings.sleeper());
        this.deletes = new Retrying(settings.deletePolicy(), settings.sleeper());
        if (policy != null) {
            List<String> problems = policy.problems(backend.flavors().keySet());
            if (!problems.isEmpty()) {
                throw new HostProvisioningException("the warm pool cannot hold: " + String.join("; ", problems));
            }
            this.pool = new WarmPool(this, policy, Objects.requireNonNull(runnerId, "runnerId"), settings.clock(),
                    backend.defaultFlavor(), settings.poolTick());
        } else {
            this.pool = null;
        }
    }

    // ------------------------------------------------------------------ flavors

    @Override
    public Map<String, Flavor> flavors() {
        return backend.flavors();
    }

    @Override
    public String defaultFlavor() {
        return backend.defaultFlavor();
    }

    @Override
    public String currency() {
        return backend.currency();
    }

    /** The job's flavor, or an error listing the valid ones; the asked value never goes further unchecked. */
    String checkFlavor(String asked) {
        Map<String, Flavor> offered = flavors();
        String name = asked == null || asked.isBlank() ? defaultFlavor() : asked.strip().toUpperCase(Locale.ROOT);
        if (!FLAVOR.matcher(name).matches() || !offered.containsKey(name)) {
            List<String> valid = new ArrayList<>(offered.keySet());
            valid.sort(Comparator.comparingLong(f -> offered.get(f).memoryMiB()));
            throw new HostProvisioningException("CI_CLEVER_CLOUD_FLAVOR '" + printable(asked)
                    + "' is not a flavor this runner offers; valid choices: " + String.join(", ", valid));
        }
        return name;
    }

    // ------------------------------------------------------------------ acquire / release

    /**
     * Whether one more job can have a host without waiting for another job's end: true without a warm pool, or
     * when the pool is not in preemptive mode (no idle host asked for now), has a spare, or is below max_instances.
     */
    public boolean hasRoom() {
        return pool == null || pool.hasRoom();
    }

    /** Reserves room for a job about to be asked for (see {@link #hasRoom()}); false when there is none. */
    public boolean reserve() {
        return pool == null || pool.reserve();
    }

    /** Gives back a reservation no job took. */
    public void unreserve() {
        if (pool != null) {
            pool.unreserve();
        }
    }

    /** The name of the VM of a job of a runner. */
    public String name(String runnerId, long jobId) {
        return settings.namePrefix() + "-" + runnerId + "-" + jobId;
    }

    @Override
    public Host acquire(HostRequest request) throws InterruptedException {
        String flavor = checkFlavor(request.flavor());
        if (pool != null) {
            return pool.acquire(request, flavor);
        }
        return provision(name(request.runnerId(), request.jobId()), flavor, request.labels());
    }

    /**
     * Creates a VM and waits until it is ready, within one boot deadline; deletes it whatever fails, and when the
     * thread is interrupted (the job canceled) while it boots.
     */
    Host provision(String name, String flavor, Map<String, String> labels) throws InterruptedException {
        LaunchGate launches = gate;
        launches.enter();
        try {
            return launch(name, flavor, labels);
        } finally {
            launches.leave();
        }
    }

    /**
     * Puts every VM creation, a job's or a spare's, behind the runner's launch limits (the engine sets it from
     * {@code max_provisioning} and {@code min_launch_interval}).
     */
    public void gate(LaunchGate launches) {
        this.gate = Objects.requireNonNull(launches, "launches");
    }

    /** Where the warm pool reports each of its VMs' billed and idle time when it deletes one (the engine's metrics). */
    public void poolBilling(PoolBilling billing) {
        this.poolBilling = Objects.requireNonNull(billing, "billing");
    }

    void billed(String flavor, long billedSeconds, long idleSeconds) {
        poolBilling.vmEnded(flavor, billedSeconds, idleSeconds);
    }

    private Host launch(String name, String flavor, Map<String, String> labels) throws InterruptedException {
        Secret token = Secret.of(randomToken());
        Instant deadline = settings.clock().instant().plus(settings.bootTimeout());
        Vm vm = null;
        try {
            VmSpec spec = new VmSpec(name, flavor, labels, token);
            vm = creates.call(HostLifecycle::isTransient, (attempt, max, e, wait) -> LOG.warn(
                    "creating VM {} failed (attempt {}/{}), again in {} ms: {}", name, attempt, max, wait.toMillis(),
                    e.getMessage()), () -> backend.create(spec));
            URI endpoint = awaitRunning(vm, deadline);
            awaitAnswer(vm, endpoint, token, deadline);
            LOG.info("VM {} ({}) is up at {}", name, flavor, endpoint.getHost());
            Map<String, String> attributes = new LinkedHashMap<>(vm.attributes());
            attributes.put(VM_NAME, name);
            return new Host(vm.id(), endpoint, token, flavor, attributes);
        } catch (InterruptedException | RuntimeException e) {
            deleteAfterFailure(vm, name);
            if (e instanceof InterruptedException interrupted) {
                throw interrupted;
            }
            if (e instanceof HostProvisioningException provisioning) {
                throw provisioning;
            }
            throw new HostProvisioningException("provisioning the VM " + name + " failed: " + e.getMessage(), e);
        }
    }

    /** Whether a kept host still answers and holds nothing of its previous job (null), or why not. */
    String check(Host host, String runner, String previousJob) throws InterruptedException {
        return settings.reuseProbe().check(host.dockerEndpoint(), host.accessToken(), runner, previousJob);
    }

    /**
     * Gives the host back: to the warm pool when one keeps it, else its VM is deleted, retrying; throws when that
     * keeps failing (the journal keeps it for the reaper).
     */
    @Override
    public void release(Host host) {
        if (pool != null && pool.release(host)) {
            return;
        }
        destroy(host);
    }

    /** Deletes a host's VM, retrying. */
    void destroy(Host host) {
        Vm vm = new Vm(host.id(), host.attributes().getOrDefault(VM_NAME, host.id()), host.flavor(), Map.of());
        try {
            delete(vm);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HostProvisioningException("deleting the VM " + vm.name() + " was interrupted; the reaper will"
                    + " delete it");
        }
    }

    /** The VMs named after this runner that still exist, each with the job it was created for. */
    @Override
    public List<Host> leftovers(String runnerId) {
        String prefix = settings.namePrefix() + "-" + runnerId + "-";
        List<Host> hosts = new ArrayList<>();
        for (Vm vm : backend.list(prefix)) {
            if (!vm.name().startsWith(prefix) || pool != null && pool.owns(vm)) {
                // the warm pool's own hosts are no leftovers while it holds them
                continue;
            }
            Map<String, String> attributes = new LinkedHashMap<>(vm.attributes());
            attributes.put(VM_NAME, vm.name());
            attributes.put(ReapingProvisioner.JOB_ATTRIBUTE, vm.name().substring(prefix.length()));
            // a leftover is only ever deleted: its endpoint is never called
            hosts.add(new Host(vm.id(), URI.create("https://" + vm.id() + ".invalid"), null, vm.flavor(),
                    attributes));
        }
        return hosts;
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.close();
        }
        backend.close();
    }

    // ------------------------------------------------------------------ steps

    private URI awaitRunning(Vm vm, Instant deadline) throws InterruptedException {
        String last = "no answer yet";
        while (settings.clock().instant().isBefore(deadline)) {
            VmStatus status;
            try {
                status = backend.status(vm);
            } catch (HostProvisioningException e) {
                throw e;
            } catch (RuntimeException e) {
                // a poll that fails is one poll: the deadline decides
                last = e.getMessage();
                settings.sleeper().sleep(settings.pollInterval());
                continue;
            }
            switch (status.state()) {
                case RUNNING:
                    return status.endpoint();
                case FAILED:
                    throw new HostProvisioningException("the VM " + vm.name() + " failed to start"
                            + (status.detail() == null ? "" : ": " + status.detail()));
                case GONE:
                    throw new HostProvisioningException("the VM " + vm.name() + " vanished while it booted");
                default:
                    last = status.detail() == null ? "booting" : status.detail();
            }
            settings.sleeper().sleep(settings.pollInterval());
        }
        throw new HostProvisioningException("the VM " + vm.name() + " was not running within "
                + org.cleverrunner.spi.Durations.human(settings.bootTimeout()) + " (" + last + ")");
    }

    private void awaitAnswer(Vm vm, URI endpoint, Secret token, Instant deadline) throws InterruptedException {
        String last = "no answer";
        while (settings.clock().instant().isBefore(deadline)) {
            String problem = settings.probe().check(endpoint, token);
            if (problem == null) {
                return;
            }
            last = problem;
            settings.sleeper().sleep(settings.pollInterval());
        }
        throw new HostProvisioningException("the Docker endpoint of " + vm.name() + " did not answer within "
                + org.cleverrunner.spi.Durations.human(settings.bootTimeout()) + " (" + last + ")");
    }

    private void delete(Vm vm) throws InterruptedException {
        try {
            deletes.call(e -> true, (attempt, max, e, wait) -> LOG.warn(
                    "deleting VM {} failed (attempt {}/{}), again in {} ms: {}", vm.name(), attempt, max,
                    wait.toMillis(), e.getMessage()), () -> {
                        backend.delete(vm);
                        return null;
                    });
        } catch (RuntimeException e) {
            throw new HostProvisioningException("the VM " + vm.name() + " could not be deleted: " + e.getMessage(), e);
        }
    }

    /**
     * After a failed or canceled provisioning: deletes what was created, found by name when the creation itself
     * failed half-way. A canceled job's interrupt is kept for the caller, not spent on the deletion's waits.
     */
    private void deleteAfterFailure(Vm created, String name) {
        boolean interrupted = Thread.interrupted();
        try {
            List<Vm> doomed = new ArrayList<>();
            if (created != null) {
                doomed.add(created);
            } else {
                for (Vm vm : backend.list(name)) {
                    if (vm.name().equals(name)) {
                        doomed.add(vm);
                    }
                }
            }
            for (Vm vm : doomed) {
                delete(vm);
            }
        } catch (RuntimeException | InterruptedException e) {
            LOG.warn("the VM {} could not be deleted after a failed provisioning; the reaper will: {}", name,
                    e.getMessage());
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Transient: worth another attempt. A HostProvisioningException is the backend's final word. */
    private static boolean isTransient(RuntimeException e) {
        return !(e instanceof HostProvisioningException);
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
}
