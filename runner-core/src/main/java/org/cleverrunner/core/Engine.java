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
import java.util.concurrent.TimeUnit;
import org.cleverrunner.coordinator.CoordinatorClient;
import org.cleverrunner.coordinator.CoordinatorException;
import org.cleverrunner.coordinator.JobState;
import org.cleverrunner.coordinator.RunnerInfo;
import org.cleverrunner.spi.CacheStore;
import org.cleverrunner.spi.CacheStoreFactory;
import org.cleverrunner.spi.Durations;
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

    /** The settings now in force: a reload replaces them ({@link #reconfigure}). */
    private volatile EngineSettings settings;
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
    private final Slots concurrent;
    /** Each runner's {@code limit}, by name: kept across reloads, so a changed runner counts the jobs it runs. */
    private final Map<String, Slots> limits = new ConcurrentHashMap<>();
    private final Set<JobWorker> running = ConcurrentHashMap.newKeySet();
    private final Map<String, RunnerLoop> loops = new ConcurrentHashMap<>();
    // Keyed by what each is made of: a reload that leaves a runner's provisioner settings alone keeps its
    // provisioner (and warm pool); one that changes them gets a new one, and the old one closes after its jobs.
    private final Map<ProvisionerKey, Provisioner> provisioners = new ConcurrentHashMap<>();
    private final Map<ProvisionerKey, Admission> admissions = new ConcurrentHashMap<>();
    private final Map<ExecutorKey, Executor> executors = new ConcurrentHashMap<>();
    private final Map<CacheKey, CacheStore> cacheStores = new ConcurrentHashMap<>();
    private volatile boolean aborting;
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
        this.concurrent = new Slots(settings.concurrent());
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
            startLoop(runner);
        }
        return this;
    }

    private void startLoop(RunnerSettings runner) {
        limits.computeIfAbsent(runner.name(), name -> new Slots(runner.limit())).resize(runner.limit());
        RunnerLoop loop = new RunnerLoop(this, runner, client(runner));
        loops.put(runner.name(), loop);
        loop.start();
        LOG.info("runner {} polling {} (executor {}, provisioner {}, limit {})", runner.name(), runner.url(),
                runner.executor(), runner.provisioner(), runner.limit() == 0 ? "none" : runner.limit());
    }

    /**
     * Applies settings read again from config.toml (SIGHUP, or the file changed) without touching running jobs:
     * {@code concurrent}, {@code check_interval} and {@code shutdown_timeout} at once; a runner added starts
     * polling, a runner removed stops polling and its running jobs finish; a runner whose settings changed polls
     * with the new ones at once, its jobs still running counted against its new {@code limit}, and a provisioner,
     * executor or cache store whose own settings changed is made anew (the old one closes when its last job ends).
     * The journal's path cannot change while it is held: a different one is kept and named in the result.
     */
    public synchronized Reconfiguration reconfigure(EngineSettings next) {
        Objects.requireNonNull(next, "next");
        if (!accepting || stopping) {
            return new Reconfiguration(List.of(), List.of(), List.of(), List.of("the runner is stopping"));
        }
        List<String> kept = new ArrayList<>();
        java.nio.file.Path journalFile = settings.journalFile();
        if (!Objects.equals(journalFile, next.journalFile())) {
            kept.add("journal " + next.journalFile() + " (the journal stays " + journalFile + " until a restart)");
        }
        Map<String, RunnerSettings> before = new java.util.LinkedHashMap<>();
        settings.runners().forEach(runner -> before.put(runner.name(), runner));
        List<String> added = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        List<RunnerSettings> runners = new ArrayList<>();
        for (RunnerSettings runner : next.runners()) {
            RunnerSettings old = before.remove(runner.name());
            if (old == null) {
                added.add(runner.name());
            } else if (!old.equals(runner)) {
                changed.add(runner.name());
            }
            runners.add(old != null && old.equals(runner) ? old : runner);
        }
        removed.addAll(before.keySet());
        // the new runners' providers first: one that cannot start fails the reload before anything changed
        try {
            for (RunnerSettings runner : runners) {
                if (added.contains(runner.name()) || changed.contains(runner.name())) {
                    resolve(runner);
                }
            }
        } catch (RuntimeException e) {
            retireUnused();
            throw e;
        }
        EngineSettings previous = settings;
        settings = new EngineSettings(next.concurrent(), next.checkInterval(), next.shutdownTimeout(), journalFile,
                runners);
        if (previous.concurrent() != next.concurrent()) {
            concurrent.resize(settings.concurrent());
        }
        for (String name : removed) {
            RunnerLoop loop = loops.remove(name);
            if (loop != null) {
                loop.stop();
            }
            LOG.info("runner {} removed: no new jobs; its {} running job(s) finish", name, running.stream()
                    .filter(worker -> worker.runnerName().equals(name)).count());
        }
        for (RunnerSettings runner : runners) {
            if (changed.contains(runner.name()) || added.contains(runner.name())) {
                RunnerLoop loop = loops.remove(runner.name());
                if (loop != null) {
                    loop.stop();
                }
                startLoop(runner);
            }
        }
        retireUnused();
        return new Reconfiguration(added, removed, changed, kept);
    }

    /** What a {@link #reconfigure} changed: runners by name, and what it could not apply. */
    public record Reconfiguration(List<String> added, List<String> removed, List<String> changed,
            List<String> notApplied) {

        public Reconfiguration {
            added = List.copyOf(added);
            removed = List.copyOf(removed);
            changed = List.copyOf(changed);
            notApplied = List.copyOf(notApplied);
        }
    }

    /** A runner's executor, provisioner and cache store, made now: an id no provider has fails here. */
    private void resolve(RunnerSettings runner) {
        executorFor(runner);
        provisionerFor(runner);
        cacheStoreFor(runner);
    }

    /**
     * Closes the providers that neither the settings in force nor a running job use any more (after a reload
     * changed or removed their runner). Called after a reload and whenever a job ends.
     */
    private synchronized void retireUnused() {
        if (stopping) {
            return; // the shutdown closes everything
        }
        Set<Object> used = new java.util.HashSet<>();
        java.util.function.Consumer<RunnerSettings> use = runner -> {
            used.add(ExecutorKey.of(runner));
            used.add(ProvisionerKey.of(runner));
            used.add(CacheKey.of(runner));
        };
        settings.runners().forEach(use);
        running.forEach(worker -> use.accept(worker.runner()));
        retire(executors, used, Executor::close);
        retire(cacheStores, used, CacheStore::close);
        admissions.keySet().removeIf(key -> !used.contains(key));
        retire(provisioners, used, Provisioner::close);
    }

    private static <K, V> void retire(Map<K, V> providers, Set<Object> used, java.util.function.Consumer<V> close) {
        for (K key : List.copyOf(providers.keySet())) {
            if (!used.contains(key)) {
                V provider = providers.remove(key);
                if (provider != null) {
                    try {
                        close.accept(provider);
                    } catch (RuntimeException e) {
                        LOG.warn("closing {} after a reload failed: {}", provider, e.toString());
                    }
                }
            }
        }
    }

    private record ExecutorKey(String runner, String executor, org.cleverrunner.spi.ProviderSettings settings) {
        static ExecutorKey of(RunnerSettings runner) {
            return new ExecutorKey(runner.name(), runner.executor(), runner.executorSettings());
        }
    }

    private record ProvisionerKey(String runner, String provisioner, org.cleverrunner.spi.ProviderSettings settings,
            AdmissionSettings admission) {
        static ProvisionerKey of(RunnerSettings runner) {
            return new ProvisionerKey(runner.name(), runner.provisioner(), runner.provisionerSettings(),
                    runner.admission());
        }
    }

    private record CacheKey(String runner, CacheSettings cache) {
        static CacheKey of(RunnerSettings runner) {
            return new CacheKey(runner.name(), runner.cache());
        }
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
     * Stops with a grace of {@code shutdown_timeout}: see {@link #stop(Duration)}. What {@link #close} does.
     */
    public void shutdown() {
        stop(settings.shutdownTimeout());
    }

    /**
     * Stops the engine: no new jobs; running ones may finish for up to {@code grace} ({@link Duration#ZERO}: a
     * forceful stop, as GitLab Runner's SIGTERM; a very long one: a graceful stop, as its SIGQUIT), or until
     * {@link #abortRunning} is called; then the rest are aborted (after_script skipped, hosts released, reported
     * failed as a runner system failure) and given up to {@code shutdown_timeout} to report. Returns whether every
     * job ended and reported; a job that did not keeps its journal entry, and the next start reports it. Only the
     * first call stops; later ones return false at once.
     */
    public boolean stop(Duration grace) {
        Objects.requireNonNull(grace, "grace");
        synchronized (this) {
            if (stopping) {
                return false;
            }
            stopping = true;
            accepting = false;
        }
        loops.values().forEach(RunnerLoop::stop);
        boolean clean = true;
        if (!running.isEmpty()) {
            if (!grace.isZero() && !aborting) {
                LOG.info("stopping: no new jobs; waiting {} for {} running job(s)", grace.compareTo(FOREVER) >= 0
                        ? "until they finish" : "up to " + Durations.human(grace), running.size());
            }
            if (grace.isZero() || aborting || !awaitIdle(grace)) {
                Duration timeout = settings.shutdownTimeout();
                LOG.warn("aborting {} running job(s); waiting up to {} for them to report", running.size(),
                        Durations.human(timeout));
                aborting = true;
                running.forEach(JobWorker::interruptForShutdown);
                clean = awaitIdle(timeout);
                if (!clean) {
                    LOG.warn("{} job(s) did not report within {}: the next start reports them", running.size(),
                            Durations.human(timeout));
                }
            }
        } else {
            LOG.info("stopping: no job running");
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
        LOG.info(clean ? "stopped" : "stopped, with jobs left to report at the next start");
        return clean;
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

    /**
     * Cuts a graceful {@link #stop} short, as a second signal does: the running jobs are aborted now. Before a stop
     * began, it only marks the next one forceful.
     */
    public void abortRunning() {
        aborting = true;
    }

    /** A grace so long that a stop waits for the jobs to finish: GitLab Runner's graceful shutdown. */
    public static final Duration FOREVER = Duration.ofDays(365 * 100L);

    /** Waits until no job runs; false on timeout, or when {@link #abortRunning} is called meanwhile. */
    public boolean awaitIdle(Duration timeout) {
        boolean abortable = !aborting;
        long deadline = System.nanoTime() + Math.min(timeout.toNanos(), Long.MAX_VALUE / 4);
        while (!running.isEmpty()) {
            if (System.nanoTime() - deadline > 0 || abortable && aborting) {
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

    Slots concurrent() {
        return concurrent;
    }

    /** The runner's {@code limit} slots, shared by its pollers before and after a reload. */
    Slots limitFor(RunnerSettings runner) {
        return limits.computeIfAbsent(runner.name(), name -> new Slots(runner.limit()));
    }

    /** The runner's weighted quota: one per provisioner, so a reload that keeps the provisioner keeps its count. */
    Admission admissionFor(RunnerSettings runner) {
        return admissions.computeIfAbsent(ProvisionerKey.of(runner),
                key -> new Admission(runner.admission(), provisionerFor(runner)));
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
        return cacheStores.computeIfAbsent(CacheKey.of(runner), key -> Providers.find(CacheStoreFactory.class,
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
        retireUnused();
    }

    Executor executorFor(RunnerSettings runner) {
        if (executorOverride != null) {
            return executorOverride;
        }
        return executors.computeIfAbsent(ExecutorKey.of(runner), key -> Providers.select(ExecutorFactory.class, null,
                runner.executor(), "docker", classLoader).create(runner.executorSettings()));
    }

    Provisioner provisionerFor(RunnerSettings runner) {
        if (provisionerOverride != null) {
            return provisioners.computeIfAbsent(ProvisionerKey.of(runner),
                    key -> GatedProvisioner.wrap(provisionerOverride, runner.admission()));
        }
        String id = runner.provisioner() == null || runner.provisioner().isBlank() ? LocalDockerProvisionerFactory.ID
                : runner.provisioner();
        return provisioners.computeIfAbsent(ProvisionerKey.of(runner), key -> {
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
