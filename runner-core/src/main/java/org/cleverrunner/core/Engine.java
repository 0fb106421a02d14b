package org.cleverrunner.core;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.cleverrunner.coordinator.CoordinatorClient;
import org.cleverrunner.coordinator.CoordinatorException;
import org.cleverrunner.coordinator.JobState;
import org.cleverrunner.coordinator.RunnerInfo;
import org.cleverrunner.spi.CacheStore;
import org.cleverrunner.spi.CacheStoreFactory;
import org.cleverrunner.spi.Executor;
import org.cleverrunner.spi.ExecutorFactory;
import org.cleverrunner.spi.Host;
import org.cleverrunner.spi.Provisioner;
import org.cleverrunner.spi.Providers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runner service: for each configured runner, asks its coordinator for jobs (long polling, within
 * {@code concurrent} and the runner's {@code limit}), runs each job on a host its provisioner lends with its
 * executor, streams the job's log back, reports the final state, and gives the host back. Survives any job's
 * failure, records what it holds in a journal, cleans up after a crash on its next start, and shuts down
 * gracefully.
 */
public final class Engine implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);

    private final EngineSettings settings;
    private final EngineListener listener;
    private final Clock clock;
    private final ClassLoader classLoader;
    private final Executor executorOverride;
    private final Provisioner provisionerOverride;
    private final CacheStore cacheStoreOverride;
    private final String version;
    private final String revision;
    private final String systemId;
    private final Duration traceInterval;
    private final Journal journal;
    private final Semaphore concurrent;
    private final Set<JobWorker> running = ConcurrentHashMap.newKeySet();
    private final List<RunnerLoop> loops = new ArrayList<>();
    private final Map<String, Provisioner> provisioners = new ConcurrentHashMap<>();
    private final Map<String, Executor> executors = new ConcurrentHashMap<>();
    private final Map<String, CacheStore> cacheStores = new ConcurrentHashMap<>();
    private final ScheduledExecutorService pumps;
    private final Duration reapInterval;
    private final java.util.function.UnaryOperator<CoordinatorClient.Builder> clientSettings;
    /** Sends the final states a crashed run left, in the background, while new jobs are taken. */
    private final java.util.concurrent.ExecutorService recoveries;
    private volatile JournalLock lock;
    private volatile boolean accepting;
    private volatile boolean stopping;

    private Engine(Builder builder) {
        this.settings = builder.settings;
        this.listener = builder.listener;
        this.clock = builder.clock;
        this.classLoader = builder.classLoader;
        this.executorOverride = builder.executor;
        this.provisionerOverride = builder.provisioner;
        this.cacheStoreOverride = builder.cacheStore;
        this.version = builder.version;
        this.revision = builder.revision;
        this.systemId = builder.systemId;
        this.traceInterval = builder.traceInterval;
        this.reapInterval = builder.reapInterval;
        this.clientSettings = builder.clientSettings;
        this.journal = new Journal(settings.journalFile());
        this.concurrent = new Semaphore(settings.concurrent(), true);
        this.recoveries = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "recovery");
            thread.setDaemon(true);
            return thread;
        });
        this.pumps = Executors.newScheduledThreadPool(2, runnable -> {
            Thread thread = new Thread(runnable, "trace-pump");
            thread.setDaemon(true);
            return thread;
        });
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Resolves every runner's executor, provisioner and cache store (failing now, naming the id, when one is
     * missing or cannot start), takes the journal's lock (a {@link JournalLock.HeldException} when another live
     * process holds it), cleans up what a previous run left in the journal (the final states it left are sent in
     * the background), then starts polling.
     */
    public synchronized Engine start() {
        if (accepting) {
            return this;
        }
        for (RunnerSettings runner : settings.runners()) {
            executorFor(runner);
            provisionerFor(runner);
            CacheStore cache = cacheStoreFor(runner);
            LOG.info("runner {}: job caches {}", runner.name(), cache == null ? "off (no cache store)"
                    : "in " + cache + (runner.cache().shared() ? ", shared with other runners" : ""));
        }
        if (settings.journalFile() != null) {
            JournalLock.Attempt attempt = JournalLock.tryAcquire(settings.journalFile());
            if (attempt instanceof JournalLock.Held held) {
                throw new JournalLock.HeldException(settings.journalFile(), held);
            }
            lock = ((JournalLock.Acquired) attempt).lock();
        }
        try {
            recover();
        } catch (RuntimeException | Error e) {
            releaseLock();
            throw e;
        }
        reap();
        accepting = true;
        if (!reapInterval.isZero()) {
            pumps.scheduleWithFixedDelay(this::reap, reapInterval.toMillis(), reapInterval.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
        for (RunnerSettings runner : settings.runners()) {
            RunnerLoop loop = new RunnerLoop(this, runner, client(runner));
            loops.add(loop);
            loop.start();
            LOG.info("runner {} polling {} (executor {}, provisioner {}, limit {})", runner.name(), runner.url(),
                    runner.executor(), runner.provisioner(), runner.limit() == 0 ? "none" : runner.limit());
        }
        return this;
    }

    /** Jobs running now. */
    public int runningJobs() {
        return running.size();
    }

    /** False once a shutdown has begun. */
    public boolean isHealthy() {
        return accepting && !stopping;
    }

    /**
     * Graceful shutdown: stop taking jobs, let running ones finish for up to the configured time, then cancel what
     * remains (after_script is skipped, hosts are released) and report it as interrupted.
     */
    public void shutdown() {
        synchronized (this) {
            if (stopping) {
                return;
            }
            stopping = true;
            accepting = false;
        }
        LOG.info("shutting down: no new jobs; waiting up to {} for {} running job(s)", settings.shutdownTimeout(),
                running.size());
        loops.forEach(RunnerLoop::stop);
        if (!awaitIdle(settings.shutdownTimeout())) {
            LOG.warn("{} job(s) still running after {}: canceling them", running.size(), settings.shutdownTimeout());
            running.forEach(JobWorker::interruptForShutdown);
            awaitIdle(Duration.ofSeconds(60));
        }
        pumps.shutdownNow();
        // an interrupted recovery keeps its journal entry: the next start sends it again
        recoveries.shutdownNow();
        try {
            recoveries.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        executors.values().forEach(Executor::close);
        provisioners.values().forEach(Provisioner::close);
        cacheStores.values().forEach(CacheStore::close);
        releaseLock();
        LOG.info("stopped");
    }

    private void releaseLock() {
        JournalLock held = lock;
        lock = null;
        if (held != null) {
            held.close();
        }
    }

    @Override
    public void close() {
        shutdown();
    }

    /** Waits until no job runs; false on timeout. */
    public boolean awaitIdle(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!running.isEmpty()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return running.isEmpty();
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ for the loops and workers (package-private)

    boolean accepting() {
        return accepting;
    }

    Semaphore concurrent() {
        return concurrent;
    }

    EngineSettings settings() {
        return settings;
    }

    EngineListener listener() {
        return listener;
    }

    Clock clock() {
        return clock;
    }

    Journal journal() {
        return journal;
    }

    ScheduledExecutorService pumps() {
        return pumps;
    }

    /**
     * The store of this runner's job caches: the one given in code, else the one its settings name, else null (no
     * cache). Jobs see it through a {@link ScopedCacheStore}.
     */
    CacheStore cacheStoreFor(RunnerSettings runner) {
        if (cacheStoreOverride != null) {
            return cacheStoreOverride;
        }
        if (!runner.cache().enabled()) {
            return null;
        }
        return cacheStores.computeIfAbsent(runner.name(), name -> Providers.find(CacheStoreFactory.class,
                runner.cache().store(), classLoader).create(runner.cache().settings()));
    }

    String version() {
        return version;
    }

    /** The git commit of this build, as gitlab-runner's revision (job log header, CI_RUNNER_REVISION). */
    String revision() {
        return revision;
    }

    String systemId() {
        return systemId;
    }

    /** Whose the hosts and containers are, in their names and labels: see {@link RunnerSettings#hostKey}. */
    String hostKey(RunnerSettings runner) {
        return runner.hostKey(systemId, settings.journalFile());
    }

    Duration traceInterval() {
        return traceInterval;
    }

    boolean stopping() {
        return stopping;
    }

    void register(JobWorker worker) {
        running.add(worker);
    }

    void unregister(JobWorker worker) {
        running.remove(worker);
    }

    Executor executorFor(RunnerSettings runner) {
        if (executorOverride != null) {
            return executorOverride;
        }
        return executors.computeIfAbsent(runner.name(), name -> Providers.select(ExecutorFactory.class, null,
                runner.executor(), "docker", classLoader).create(runner.executorSettings()));
    }

    Provisioner provisionerFor(RunnerSettings runner) {
        if (provisionerOverride != null) {
            return provisioners.computeIfAbsent(runner.name(),
                    name -> GatedProvisioner.wrap(provisionerOverride, runner.admission()));
        }
        String id = runner.provisioner() == null || runner.provisioner().isBlank() ? LocalDockerProvisionerFactory.ID
                : runner.provisioner();
        return provisioners.computeIfAbsent(runner.name(), name -> {
            Provisioner created = org.cleverrunner.core.hosts.Provisioners.create(id, runner.provisionerSettings(),
                    classLoader, hostKey(runner));
            if (created instanceof org.cleverrunner.core.hosts.HostLifecycle lifecycle) {
                lifecycle.poolBilling((flavor, billed, idle) -> {
                    listener.billed(runner.name(), id, flavor, billed);
                    listener.poolIdle(runner.name(), id, flavor, idle);
                });
            }
            return GatedProvisioner.wrap(created, runner.admission());
        });
    }

    CoordinatorClient client(RunnerSettings runner) {
        return clientSettings.apply(CoordinatorClient.builder().url(runner.url()).tls(runner.tls())
                .runnerInfo(RunnerInfo.defaults().withExecutor(runner.executor(), "bash"))
                .readTimeout(RunnerSettings.LONG_POLL_ALLOWANCE)).build();
    }

    // ------------------------------------------------------------------ recovery

    static final String ABANDONED_LINE = "\n\u001b[31;1mERROR: Job failed (system failure): the runner stopped while"
            + " this job ran (it was killed or crashed); its containers and host were removed when it restarted"
            + "\u001b[0;m\n";

    /**
     * After a crash: removes what the dead run left on each recorded host and gives the host back; gives each job
     * that had no final state yet one line in its spooled trace and the final state failed/runner_system_failure,
     * journaled; then sends every journaled final state exactly as it was decided, in the background, repeated
     * (202, outages) until the coordinator takes or refuses it. A job's entry leaves the journal only then, so a
     * coordinator down now is tried again, also by a later start.
     */
    private void recover() {
        Journal.State previous = journal.load();
        removeOrphanSpools(previous);
        if (previous.isEmpty()) {
            return;
        }
        LOG.warn("the journal holds {} job(s) and {} host(s) from a run that did not stop cleanly: cleaning up",
                previous.jobs().size(), previous.hosts().size());
        for (Journal.HostEntry entry : previous.hosts()) {
            RunnerSettings runner = runner(entry.runner());
            if (runner == null) {
                LOG.warn("host {} belongs to runner {}, which is no longer configured", entry.hostId(), entry.runner());
                journal.hostReleasedById(entry.hostId());
                continue;
            }
            Host host = new Host(entry.hostId(), URI.create(entry.endpoint()), null, null, entry.attributes());
            try {
                executorFor(runner).sweep(host, hostKey(runner));
            } catch (RuntimeException e) {
                LOG.warn("cleaning host {} failed: {}", entry.hostId(), e.toString());
            }
            try {
                provisionerFor(runner).release(host);
            } catch (RuntimeException e) {
                LOG.warn("releasing host {} failed: {}", entry.hostId(), e.toString());
            }
            journal.hostReleasedById(entry.hostId());
        }
        for (Journal.JobEntry entry : previous.jobs()) {
            Journal.JobEntry decided = entry.finalState() != null ? entry : abandon(entry);
            recoveries.submit(() -> deliver(decided));
        }
    }

    /** Spools no journal entry names: their job's state was settled just before a crash. */
    private void removeOrphanSpools(Journal.State previous) {
        if (settings.journalFile() == null) {
            return;
        }
        java.nio.file.Path directory = TraceSpool.resolve(settings.journalFile(), TraceSpool.DIRECTORY);
        if (!java.nio.file.Files.isDirectory(directory)) {
            return;
        }
        Set<java.nio.file.Path> kept = new java.util.HashSet<>();
        previous.jobs().stream().filter(job -> job.trace() != null)
                .forEach(job -> kept.add(TraceSpool.resolve(settings.journalFile(), job.trace()).normalize()));
        try (var files = java.nio.file.Files.list(directory)) {
            files.filter(file -> file.toString().endsWith(".trace") && !kept.contains(file.normalize()))
                    .forEach(TraceSpool::deleteQuietly);
        } catch (java.io.IOException e) {
            LOG.warn("the trace spools in {} cannot be listed: {}", directory, e.toString());
        }
    }

    /**
     * A job the dead run left without a final state: its real end is unknown, so it fails as a system failure, with
     * one line saying so at the end of its spooled trace, counted in the checksum and size journaled with it.
     */
    private Journal.JobEntry abandon(Journal.JobEntry entry) {
        byte[] line = ABANDONED_LINE.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        String checksum = null;
        long bytesize = 0;
        if (entry.trace() != null && settings.journalFile() != null) {
            java.nio.file.Path spool = TraceSpool.resolve(settings.journalFile(), entry.trace());
            try {
                TraceSpool.appendOnce(spool, line);
                TraceSpool.Summary summary = TraceSpool.summary(spool);
                checksum = summary.checksum();
                bytesize = summary.bytesize();
            } catch (java.io.UncheckedIOException e) {
                LOG.warn("job {}: its trace spool cannot be used: {}", entry.jobId(), e.getMessage());
            }
        }
        Journal.FinalState state = Journal.FinalState.of(JobState.FAILED,
                org.cleverrunner.coordinator.FailureReason.RUNNER_SYSTEM_FAILURE, null, checksum, bytesize,
                clock.instant());
        journal.jobFinalState(entry.runner(), entry.jobId(), state);
        LOG.warn("job {} of runner {} was abandoned by the previous run: it fails (runner_system_failure)",
                entry.jobId(), entry.runner());
        return entry.withFinalState(state);
    }

    /** Sends a journaled final state as it was decided, with the trace the coordinator still lacks. */
    private void deliver(Journal.JobEntry entry) {
        Journal.FinalState state = entry.finalState();
        RunnerSettings runner = runner(entry.runner());
        try {
            CoordinatorClient client = runner != null ? client(runner)
                    : clientSettings.apply(CoordinatorClient.builder().url(entry.url())).build();
            java.nio.file.Path spool = entry.trace() == null || settings.journalFile() == null ? null
                    : TraceSpool.resolve(settings.journalFile(), entry.trace());
            org.cleverrunner.coordinator.TraceBuffer trace = TraceSpool.load(spool, state.bytesize());
            if (trace == null) {
                // no spool (an older journal, or it could not be written): the line alone, where the coordinator's
                // trace ends, and a final state without the trace it cannot vouch for
                trace = new org.cleverrunner.coordinator.TraceBuffer();
                if (state.checksum() == null) {
                    appendLineWithoutSpool(client, entry);
                }
            } else if (state.checksum() != null && !state.checksum().equals(trace.checksum())) {
                LOG.warn("job {}: its trace spool no longer matches the journaled checksum ({} bytes, {} instead of"
                        + " {}): sending what it holds", entry.jobId(), trace.size(), trace.checksum(),
                        state.checksum());
            }
            org.cleverrunner.coordinator.FinalUpdateResult result = new org.cleverrunner.coordinator.TraceUploader(
                    client, entry.jobId(), entry.jobToken(), trace).complete(state.jobState(), state.reason(),
                    state.exitCode());
            switch (result.outcome()) {
                case DELIVERED, REFUSED -> {
                    if (result.outcome() == org.cleverrunner.coordinator.FinalUpdateResult.Outcome.DELIVERED) {
                        LOG.info("job {} of runner {} (previous run): final state {} delivered ({} attempt(s))",
                                entry.jobId(), entry.runner(), state.state(), result.attempts());
                    } else {
                        LOG.warn("job {} of runner {} (previous run): the coordinator refused the final state {}: {}",
                                entry.jobId(), entry.runner(), state.state(), result.detail());
                    }
                    // the spool first: a crash in between resends the state, which the coordinator then refuses
                    if (spool != null) {
                        TraceSpool.deleteQuietly(spool);
                    }
                    journal.jobEnded(entry.runner(), entry.jobId());
                }
                case GAVE_UP -> LOG.warn("job {} of runner {} (previous run): final state {} not delivered ({});"
                        + " it stays in the journal for the next start", entry.jobId(), entry.runner(),
                        state.state(), result.detail());
            }
        } catch (RuntimeException e) {
            LOG.warn("job {} of runner {} (previous run): its final state {} could not be sent: {}; it stays in the"
                    + " journal for the next start", entry.jobId(), entry.runner(), state.state(), e.toString());
        }
    }

    private static void appendLineWithoutSpool(CoordinatorClient client, Journal.JobEntry entry) {
        byte[] line = ABANDONED_LINE.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try {
            var patch = client.patchTrace(entry.jobId(), entry.jobToken(), 0, line, 0, line.length);
            if (patch.outcome() == org.cleverrunner.coordinator.TracePatchResult.Outcome.RANGE_MISMATCH) {
                client.patchTrace(entry.jobId(), entry.jobToken(), patch.offset(), line, 0, line.length);
            }
        } catch (CoordinatorException e) {
            LOG.debug("job {}: the line could not be appended: {}", entry.jobId(), e.getMessage());
        }
    }

    /**
     * Gives back the hosts a reaping provisioner still lists for a runner that no running job holds: VMs of a
     * crashed run, releases that failed. Runs at start and every reap interval.
     */
    int reap() {
        int released = 0;
        for (RunnerSettings runner : settings.runners()) {
            Provisioner provisioner = provisionerFor(runner);
            Provisioner inner = provisioner instanceof GatedProvisioner gated ? gated.delegate() : provisioner;
            if (!(inner instanceof org.cleverrunner.spi.ReapingProvisioner reaping)) {
                continue;
            }
            try {
                List<Host> leftovers = reaping.leftovers(hostKey(runner));
                // The running jobs are read after the listing, which may take a while: a job holding a listed host
                // was registered before its host existed, so it is seen here unless it has ended.
                Set<String> live = ConcurrentHashMap.newKeySet();
                Set<String> runningJobs = ConcurrentHashMap.newKeySet();
                running.forEach(worker -> {
                    runningJobs.add(worker.runnerName() + "/" + worker.jobId());
                    if (worker.hostId() != null) {
                        live.add(worker.hostId());
                    }
                });
                for (Host host : leftovers) {
                    String job = host.attributes().get(org.cleverrunner.spi.ReapingProvisioner.JOB_ATTRIBUTE);
                    if (live.contains(host.id()) || job != null && runningJobs.contains(runner.name() + "/" + job)) {
                        continue; // a job of ours holds it, or is still provisioning it
                    }
                    LOG.warn("runner {}: releasing leftover host {} (job {})", runner.name(), host.id(), job);
                    reaping.release(host);
                    journal.hostReleasedById(host.id());
                    released++;
                }
            } catch (RuntimeException e) {
                LOG.warn("runner {}: reaping failed: {}", runner.name(), e.toString());
            }
        }
        return released;
    }

    private RunnerSettings runner(String name) {
        return settings.runners().stream().filter(r -> r.name().equals(name)).findFirst().orElse(null);
    }

    /** Settings of an {@link Engine}. */
    public static final class Builder {
        private EngineSettings settings;
        private EngineListener listener = EngineListener.NONE;
        private Clock clock = Clock.systemUTC();
        private ClassLoader classLoader = Engine.class.getClassLoader();
        private Executor executor;
        private Provisioner provisioner;
        private CacheStore cacheStore;
        private String version = "dev";
        private String revision = RunnerInfo.defaults().revision();
        private String systemId;
        private Duration traceInterval = Duration.ofSeconds(3);
        private Duration reapInterval = Duration.ofMinutes(5);
        private java.util.function.UnaryOperator<CoordinatorClient.Builder> clientSettings = b -> b;

        private Builder() {
        }

        public Builder settings(EngineSettings settings) {
            this.settings = Objects.requireNonNull(settings, "settings");
            return this;
        }

        public Builder listener(EngineListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Where executors and provisioners are discovered (ServiceLoader). */
        public Builder classLoader(ClassLoader classLoader) {
            this.classLoader = Objects.requireNonNull(classLoader, "classLoader");
            return this;
        }

        /** An executor given in code, used by every runner instead of the configured one. */
        public Builder executor(Executor executor) {
            this.executor = executor;
            return this;
        }

        /** A provisioner given in code, used by every runner instead of the configured one. */
        public Builder provisioner(Provisioner provisioner) {
            this.provisioner = provisioner;
            return this;
        }

        /**
         * A cache store given in code, used by every runner instead of the configured one; jobs still see it
         * scoped by runner and project. The engine does not close it.
         */
        public Builder cacheStore(CacheStore cacheStore) {
            this.cacheStore = cacheStore;
            return this;
        }

        /** Shown in job logs and sent as the runner's version. */
        public Builder version(String version) {
            this.version = Objects.requireNonNull(version, "version");
            return this;
        }

        /** Shown in job logs and as CI_RUNNER_REVISION; by default the git commit the SDK was built from. */
        public Builder revision(String revision) {
            this.revision = Objects.requireNonNull(revision, "revision");
            return this;
        }

        /** This machine's runner-manager id ({@code s_…} or {@code r_…}). */
        public Builder systemId(String systemId) {
            this.systemId = systemId;
            return this;
        }

        /** How often a job's new log output is sent until the coordinator asks otherwise (default 3 s). */
        public Builder traceInterval(Duration interval) {
            this.traceInterval = Objects.requireNonNull(interval, "traceInterval");
            return this;
        }

        /** How often leftovers of reaping provisioners are looked for (default 5 min; zero: only at start). */
        public Builder reapInterval(Duration interval) {
            this.reapInterval = Objects.requireNonNull(interval, "reapInterval");
            return this;
        }

        /**
         * Adjusts the coordinator client the engine builds for each runner (after its URL, TLS, runner info and
         * long-polling timeout are set): e.g. {@code b -> b.finalUpdatePolicy(FinalUpdatePolicy.DEFAULT
         * .withHorizon(Duration.ofHours(6)))}, another retry policy, or a test clock and sleeper.
         */
        public Builder coordinatorClients(java.util.function.UnaryOperator<CoordinatorClient.Builder> settings) {
            this.clientSettings = Objects.requireNonNull(settings, "settings");
            return this;
        }

        public Engine build() {
            Objects.requireNonNull(settings, "settings");
            if (settings.runners().isEmpty()) {
                throw new IllegalArgumentException("no runner configured: register one first");
            }
            return new Engine(this);
        }
    }
}
