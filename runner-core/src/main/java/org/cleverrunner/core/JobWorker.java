package org.cleverrunner.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.cleverrunner.coordinator.CoordinatorClient;
import org.cleverrunner.coordinator.CoordinatorException;
import org.cleverrunner.coordinator.FailureReason;
import org.cleverrunner.coordinator.FinalUpdateResult;
import org.cleverrunner.coordinator.JobState;
import org.cleverrunner.coordinator.JobUpdate;
import org.cleverrunner.coordinator.JobUpdateResult;
import org.cleverrunner.coordinator.TraceBuffer;
import org.cleverrunner.coordinator.TracePatchResult;
import org.cleverrunner.coordinator.TraceUploader;
import org.cleverrunner.coordinator.payload.JobPayload;
import org.cleverrunner.spi.CacheStore;
import org.cleverrunner.spi.Host;
import org.cleverrunner.spi.JobContext;
import org.cleverrunner.spi.JobControl;
import org.cleverrunner.spi.JobOutcome;
import org.cleverrunner.spi.JobPlan;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job, on its own thread, from confirmation to final update. Nothing it meets can kill the engine: every
 * failure ends as a failed job (runner_system_failure) with a line in its log, and the slot, the host and the
 * journal entries are always given back.
 */
final class JobWorker {

    private static final Logger LOG = LoggerFactory.getLogger(JobWorker.class);

    private final Engine engine;
    private final RunnerSettings runner;
    private final CoordinatorClient client;
    private final JobPayload job;
    private final Runnable releaseSlot;
    private final JobControl control = new JobControl();
    private final TraceBuffer buffer = new TraceBuffer();
    private volatile TraceSpool spool = TraceSpool.none();
    /** The final state was delivered or refused for good: the journal entry and the spool can go. */
    private volatile boolean settled;
    private volatile boolean interruptedByShutdown;
    private volatile Thread thread;
    private volatile String hostId;

    /** Set for a payload the client could not read beyond its id and token: the job is failed with this line. */
    private final String unreadable;

    JobWorker(Engine engine, RunnerSettings runner, CoordinatorClient client, JobPayload job, Runnable releaseSlot) {
        this(engine, runner, client, job, releaseSlot, null);
    }

    private JobWorker(Engine engine, RunnerSettings runner, CoordinatorClient client, JobPayload job,
            Runnable releaseSlot, String unreadable) {
        this.engine = engine;
        this.runner = runner;
        this.client = client;
        this.job = job;
        this.releaseSlot = releaseSlot;
        this.unreadable = unreadable;
    }

    /**
     * A worker for a job whose payload could not be read past its id and token (a field of the wrong type): it
     * confirms the job and fails it with the problem in its log, so that GitLab neither keeps it running nor hands
     * it out again.
     */
    static JobWorker unreadable(Engine engine, RunnerSettings runner, CoordinatorClient client, long jobId,
            String jobToken, String problem, Runnable releaseSlot) {
        JobPayload job = new JobPayload(jobId, jobToken, false, null, null, null, null, null, null, null, null, null,
                null, null, null, null);
        return new JobWorker(engine, runner, client, job, releaseSlot, problem);
    }

    void start() {
        engine.register(this);
        thread = new Thread(this::run, "job-" + runner.name() + "-" + job.id());
        thread.setDaemon(true);
        thread.start();
    }

    String runnerName() {
        return runner.name();
    }

    /** The settings the job was taken with (a reload may have replaced them since). */
    RunnerSettings runner() {
        return runner;
    }

    long jobId() {
        return job.id();
    }

    /** The host this job holds, or null. */
    String hostId() {
        return hostId;
    }

    /** The engine's grace time is over: abort the job, which is then reported as interrupted. */
    void interruptForShutdown() {
        interruptedByShutdown = true;
        control.abort();
    }

    /** When run() began, for the duration_s field of the job's last log line. */
    private long startedAt;

    private void run() {
        long started = System.nanoTime();
        startedAt = started;
        JobOutcome outcome = null;
        boolean confirmed = false;
        // what GitLab Runner's JSON log lines carry as fields: whose line it is, which job and project
        org.slf4j.MDC.put("runner", runner.shortToken());
        org.slf4j.MDC.put("runner_name", runner.name());
        org.slf4j.MDC.put("job", Long.toString(job.id()));
        if (job.jobInfo() != null && job.jobInfo().projectId() > 0) {
            org.slf4j.MDC.put("project", Long.toString(job.jobInfo().projectId()));
        }
        try {
            JobUpdateResult ack = client.updateJob(job.id(), job.token(), JobUpdate.running());
            if (ack.outcome() != JobUpdateResult.Outcome.ACCEPTED
                    && ack.outcome() != JobUpdateResult.Outcome.CANCEL_REQUESTED) {
                LOG.warn("runner {}: job {} could not be confirmed ({}), dropped", runner.name(), job.id(),
                        ack.outcome());
                return;
            }
            confirmed = true;
            spool = TraceSpool.create(engine.journal().file(), runner.name(), job.id());
            engine.journal().jobStarted(new Journal.JobEntry(runner.name(), runner.url(), job.id(), job.token(),
                    engine.clock().instant(), spool.name(), null));
            engine.listener().jobAcquired(runner.name(), job.id());
            LOG.info("runner {}: job {} ({}) started", runner.name(), job.id(),
                    job.jobInfo() == null ? "?" : job.jobInfo().name());
            outcome = execute(ack.outcome() == JobUpdateResult.Outcome.CANCEL_REQUESTED);
        } catch (CoordinatorException e) {
            LOG.warn("runner {}: job {}: the coordinator failed: {}", runner.name(), job.id(), e.getMessage());
            engine.listener().coordinatorError(runner.name(), "update_job");
            if (confirmed && !settled && !finalStateJournaled()) {
                outcome = JobOutcome.failed(JobOutcome.FailureKind.RUNNER_SYSTEM_FAILURE, null, e.toString());
                report(outcome, "\n\u001b[31;1mERROR: Job failed (system failure): the coordinator failed: "
                        + e.getClass().getSimpleName() + "\u001b[0;m\n");
            }
        } catch (RuntimeException | Error e) {
            LOG.error("runner {}: job {} failed inside the runner", runner.name(), job.id(), e);
            if (confirmed && !settled && !finalStateJournaled()) {
                outcome = JobOutcome.failed(JobOutcome.FailureKind.RUNNER_SYSTEM_FAILURE, null, e.toString());
                report(outcome, "\n\u001b[31;1mERROR: Job failed (system failure): " + e.getClass().getSimpleName()
                        + "\u001b[0;m\n");
            }
        } finally {
            if (confirmed) {
                if (settled) {
                    spool.delete();
                    engine.journal().jobEnded(runner.name(), job.id());
                } else {
                    // the final state (or its absence) stays journaled: the next start sends it, or fails the job
                    spool.close();
                    LOG.warn("runner {}: job {}: its final state is not settled; it stays in the journal for the"
                            + " next start", runner.name(), job.id());
                }
                if (outcome != null) {
                    engine.listener().jobFinished(runner.name(), job.id(), outcome,
                            Duration.ofNanos(System.nanoTime() - started));
                }
            }
            engine.unregister(this);
            releaseSlot.run();
            org.slf4j.MDC.clear();
        }
    }

    /** A decided final state is never replaced by another one. */
    private boolean finalStateJournaled() {
        Journal.JobEntry entry = engine.journal().job(runner.name(), job.id());
        return entry != null && entry.finalState() != null;
    }

    private JobOutcome execute(boolean cancelAtOnce) {
        if (unreadable != null) {
            return refuse(new JobPlans.InvalidJobException(job.id(), List.of(unreadable)));
        }
        JobPlans.Result planned;
        try {
            planned = JobPlans.fromPayload(job, engine.hostKey(runner), runner.defaultImage());
        } catch (JobPlans.InvalidJobException e) {
            return refuse(e);
        }
        // CI_RUNNER_SHORT_TOKEN as gitlab-runner computes it; the plan's runner id is the host key, not token-derived
        JobPlan plan = runner.jobs().apply(withServerCa(planned.plan())
                .withVariable(JobPlan.Variable.of("CI_RUNNER_SHORT_TOKEN", runner.shortToken()))
                .withVariable(JobPlan.Variable.of("CI_RUNNER_VERSION", engine.version()))
                .withVariable(JobPlan.Variable.of("CI_RUNNER_REVISION", engine.revision())));
        List<String> secrets = new ArrayList<>();
        plan.variables().stream().filter(JobPlan.Variable::masked).map(JobPlan.Variable::value).forEach(secrets::add);
        secrets.add(job.token());
        // the spool first, so that the file always holds at least what the coordinator got
        TraceSink sink = (bytes, from, length) -> {
            spool.append(bytes, from, length);
            buffer.append(bytes, from, length);
        };
        JobTrace trace = JobTrace.builder().sink(sink).secrets(secrets)
                .tokenPrefixes(job.features().tokenMaskPrefixes()).limit(runner.outputLimitBytes())
                .clock(engine.clock()).build();
        trace.line(header());
        // GitLab Runner's second line: the runner's name, its short token and the manager's system id
        trace.line("  on " + runner.name() + " " + runner.shortToken()
                + (engine.systemId() == null ? "" : ", system ID: " + engine.systemId()) + ", executor " + runner.executor()
                + ", provisioner " + runner.provisioner());
        planned.warnings().forEach(warning -> trace.line("\u001b[0;33mWARNING: " + warning + "\u001b[0;m"));
        TraceUploader uploader = new TraceUploader(client, job.id(), job.token(), buffer);
        Pump pump = new Pump(uploader);
        if (cancelAtOnce) {
            control.cancel();
        }
        JobOutcome outcome;
        try {
            pump.schedule(engine.traceInterval());
            JobContext context = new JobContext(trace, cacheStore(plan, trace),
                    new CoordinatorArtifactTransfer(client, job.id(), job.token()), control);
            Billing billing = new Billing();
            outcome = HostedRun.run(plan, engine.provisionerFor(runner), engine.executorFor(runner), context,
                    new HostedRun.HostEvents() {
                        @Override
                        public void acquired(Host host, Duration provisioning) {
                            billing.acquired(host);
                            hostId = host.id();
                            engine.journal().hostAcquired(new Journal.HostEntry(runner.name(), job.id(),
                                    runner.provisioner(), host.id(), host.dockerEndpoint().toString(),
                                    host.attributes()));
                            engine.listener().hostAcquired(runner.name(), job.id(), runner.provisioner(),
                                    provisioning);
                        }

                        @Override
                        public void released(Host host) {
                            billing.released();
                            engine.journal().hostReleased(runner.name(), job.id(), host.id());
                            engine.listener().hostReleased(runner.name(), job.id(), runner.provisioner());
                        }
                    });
            billing.report(trace);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            outcome = JobOutcome.canceled("the runner was interrupted");
        } finally {
            pump.stop();
            trace.close();
        }
        if (interruptedByShutdown && outcome.status() != JobOutcome.Status.SUCCESS) {
            outcome = new JobOutcome(JobOutcome.Status.FAILED, JobOutcome.FailureKind.RUNNER_SYSTEM_FAILURE, null,
                    "the runner was shut down");
        }
        finish(uploader, outcome);
        org.slf4j.MDC.put("job-status", outcome.status().name().toLowerCase(java.util.Locale.ROOT));
        org.slf4j.MDC.put("duration_s", String.format(java.util.Locale.ROOT, "%.3f",
                (System.nanoTime() - startedAt) / 1e9));
        if (outcome.failure() != null) {
            org.slf4j.MDC.put("failure_reason", outcome.failure().name().toLowerCase(java.util.Locale.ROOT));
        }
        LOG.info("runner {}: job {} finished: {}{}", runner.name(), job.id(), outcome.status(),
                outcome.failure() == null ? "" : " (" + outcome.failure() + ")");
        org.slf4j.MDC.remove("job-status");
        org.slf4j.MDC.remove("duration_s");
        org.slf4j.MDC.remove("failure_reason");
        return outcome;
    }

    /** A payload that cannot run: its problems in the log, then a failure, before any host is asked for. */
    private JobOutcome refuse(JobPlans.InvalidJobException invalid) {
        JobTrace trace = JobTrace.builder().sink(buffer).secret(job.token())
                .secrets(job.variables().stream().filter(v -> v.masked() && !v.value().isEmpty())
                        .map(v -> v.value()).toList())
                .tokenPrefixes(job.features().tokenMaskPrefixes()).limit(runner.outputLimitBytes())
                .clock(engine.clock()).build();
        trace.line(header());
        invalid.problems().forEach(problem -> trace.line("\u001b[31;1mERROR: " + problem + "\u001b[0;m"));
        boolean images = invalid.failure() == JobOutcome.FailureKind.IMAGE_PULL_FAILURE;
        trace.line("\u001b[31;1mERROR: Job failed" + (images ? ": no registry can serve the job's images; nothing was"
                + " pulled, nothing was run" : " (system failure): the job's payload is invalid, nothing was run") + "\u001b[0;m");
        trace.close();
        // the problems may quote expanded values (a masked variable in an image name): only the job's log has them
        LOG.warn("runner {}: job {} refused: its payload has {} problem(s), listed in the job's log", runner.name(),
                job.id(), invalid.problems().size());
        JobOutcome outcome = JobOutcome.failed(invalid.failure(), null, images ? "invalid image reference"
                : "invalid payload");
        finish(new TraceUploader(client, job.id(), job.token(), buffer), outcome);
        return outcome;
    }

    /**
     * The runner's cache store as this job sees it: scoped to the runner (unless shared) and the project, as
     * gitlab-runner names cache objects. Null (no cache) when the runner has no store, or when the coordinator
     * sent no project id, since then the job's caches could not be kept apart from another project's.
     */
    private CacheStore cacheStore(JobPlan plan, JobTrace trace) {
        CacheStore store = engine.cacheStoreFor(runner);
        if (store == null) {
            return null;
        }
        long projectId = job.jobInfo() == null ? 0 : job.jobInfo().projectId();
        if (projectId <= 0) {
            if (!plan.caches().isEmpty()) {
                trace.line("\u001b[0;33mWARNING: the coordinator sent no project id: caches are neither restored"
                        + " nor saved\u001b[0;m");
            }
            return null;
        }
        return new ScopedCacheStore(store, ScopedCacheStore.prefix(runner.shortToken(), projectId,
                runner.cache().shared()));
    }

    /** GitLab Runner's first line of a job log: "Running with gitlab-runner 17.5.0 (66269445)". */
    private String header() {
        return "\u001b[1mRunning with clever-runner " + engine.version() + " (" + engine.revision() + ")\u001b[0;m";
    }

    /**
     * GitLab Runner gives jobs the CA that the coordinator's certificate chains to, as the file variable
     * {@code CI_SERVER_TLS_CA_FILE}, so that git and the job's own tools trust the same server.
     */
    private JobPlan withServerCa(JobPlan plan) {
        if (runner.tls() == null || runner.tls().caFile() == null) {
            return plan;
        }
        try {
            String pem = java.nio.file.Files.readString(runner.tls().caFile());
            return plan.withVariable(new JobPlan.Variable("CI_SERVER_TLS_CA_FILE", pem, false, true, true));
        } catch (java.io.IOException e) {
            LOG.warn("runner {}: the CA file {} cannot be read: {}", runner.name(), runner.tls().caFile(),
                    e.getMessage());
            return plan;
        }
    }

    /**
     * The final update with the trace's checksum and size, repeated until the coordinator takes it or refuses it
     * for good: on 202 whatever Job-Status says, and through outages with backoff for the client's
     * {@link org.cleverrunner.coordinator.FinalUpdatePolicy} horizon (a day by default).
     */
    private void finish(TraceUploader uploader, JobOutcome outcome) {
        JobState state = outcome.status() == JobOutcome.Status.SUCCESS ? JobState.SUCCESS : JobState.FAILED;
        FailureReason reason = state == JobState.SUCCESS ? null
                : reason(outcome).forCoordinator(job.features().failureReasons());
        Integer exitCode = outcome.failure() == JobOutcome.FailureKind.SCRIPT_FAILURE ? outcome.exitCode() : null;
        // journaled before it is sent: after a crash from here on, the next start sends this very update
        spool.force();
        engine.journal().jobFinalState(runner.name(), job.id(), Journal.FinalState.of(state, reason, exitCode,
                buffer.checksum(), buffer.size(), engine.clock().instant()));
        FinalUpdateResult result = uploader.complete(state, reason, exitCode);
        settled = result.outcome() != FinalUpdateResult.Outcome.GAVE_UP;
        switch (result.outcome()) {
            case DELIVERED -> LOG.debug("runner {}: job {}: final state {} delivered ({} attempts)", runner.name(),
                    job.id(), state.wireName(), result.attempts());
            case REFUSED -> {
                engine.listener().coordinatorError(runner.name(), "update_job");
                LOG.warn("runner {}: job {}: the coordinator refused the final state {}: {}", runner.name(),
                        job.id(), state.wireName(), result.detail());
            }
            case GAVE_UP -> {
                engine.listener().coordinatorError(runner.name(), "update_job");
                LOG.error("runner {}: job {}: the final state {} could not be reported ({} attempts in {}): {}",
                        runner.name(), job.id(), state.wireName(), result.attempts(), result.elapsed(),
                        result.detail());
            }
        }
    }

    private void report(JobOutcome outcome, String line) {
        try {
            byte[] bytes = line.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            spool.append(bytes, 0, bytes.length);
            buffer.append(bytes);
            finish(new TraceUploader(client, job.id(), job.token(), buffer), outcome);
        } catch (RuntimeException e) {
            LOG.warn("runner {}: job {}: reporting the failure failed: {}", runner.name(), job.id(), e.toString());
        }
    }

    private static FailureReason reason(JobOutcome outcome) {
        if (outcome.status() == JobOutcome.Status.CANCELED) {
            return FailureReason.JOB_CANCELED;
        }
        return switch (outcome.failure()) {
            case SCRIPT_FAILURE -> FailureReason.SCRIPT_FAILURE;
            case JOB_EXECUTION_TIMEOUT -> FailureReason.JOB_EXECUTION_TIMEOUT;
            case IMAGE_PULL_FAILURE -> FailureReason.IMAGE_PULL_FAILURE;
            case RUNNER_CONFIGURATION_ERROR -> FailureReason.RUNNER_CONFIGURATION_ERROR;
            case JOB_CANCELED -> FailureReason.JOB_CANCELED;
            default -> FailureReason.RUNNER_SYSTEM_FAILURE;
        };
    }

    /** The host's flavor and uptime, written at the end of the job's log with its estimated cost. */
    private final class Billing {
        private Host host;
        private long acquiredAt;
        private long releasedAt;

        void acquired(Host acquiredHost) {
            host = acquiredHost;
            acquiredAt = System.nanoTime();
        }

        void released() {
            releasedAt = System.nanoTime();
        }

        void report(JobTrace trace) {
            if (host == null || host.flavor() == null || releasedAt == 0) {
                return;
            }
            long uptime = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(releasedAt - acquiredAt + 999_999_999L));
            if (host.attributes().containsKey(org.cleverrunner.core.hosts.HostLifecycle.ORIGIN)) {
                // a pool VM is billed from its creation to its deletion, jobs and idle time: the pool reports it
                trace.line("Host " + host.id() + ": flavor " + host.flavor() + ", used " + uptime + " s by this job"
                        + " (a warm pool VM: billed from its creation to its deletion, in the runner's log then)");
                return;
            }
            long billed = (uptime + 9) / 10 * 10;
            var flavored = Admission.unwrap(engine.provisionerFor(runner));
            var flavor = flavored == null ? null : flavored.flavors().get(host.flavor());
            String cost = flavor == null || flavor.pricePerHour() <= 0 ? "no price configured"
                    : String.format(java.util.Locale.ROOT, "estimated cost %.4f %s", billed / 3600.0
                            * flavor.pricePerHour(), flavored.currency());
            trace.line("Host " + host.id() + ": flavor " + host.flavor() + ", up " + uptime + " s, billed "
                    + billed + " s (10 s granularity), " + cost);
            engine.listener().billed(runner.name(), runner.provisioner(), host.flavor(), billed);
        }
    }

    /**
     * Sends new log output every interval (the coordinator may change it), touches the job when there is none,
     * and turns the coordinator's cancel or abort into the job's {@link JobControl}.
     */
    private final class Pump implements Runnable {
        private final TraceUploader uploader;
        private volatile ScheduledFuture<?> future;
        private volatile Duration interval;

        Pump(TraceUploader uploader) {
            this.uploader = uploader;
        }

        synchronized void schedule(Duration every) {
            interval = every;
            future = engine.pumps().schedule(this, every.toMillis(), TimeUnit.MILLISECONDS);
        }

        void stop() {
            ScheduledFuture<?> current;
            synchronized (this) {
                current = future;
                future = null;
            }
            if (current != null) {
                current.cancel(false);
            }
            synchronized (uploader) {
                // waits for a send in progress: the uploader is not thread-safe and the final update follows
            }
        }

        @Override
        public void run() {
            Duration next = interval;
            try {
                synchronized (uploader) {
                    next = send(next);
                }
            } catch (RuntimeException e) {
                LOG.debug("runner {}: job {}: sending the log failed: {}", runner.name(), job.id(), e.toString());
            } finally {
                synchronized (this) {
                    if (future != null) {
                        Duration bounded = next.compareTo(Duration.ofMillis(100)) < 0 ? Duration.ofMillis(100) : next;
                        future = engine.pumps().schedule(this, bounded.toMillis(), TimeUnit.MILLISECONDS);
                    }
                }
            }
        }

        private Duration send(Duration current) {
            Duration next = current;
            TracePatchResult patch = uploader.flush();
            if (patch != null) {
                next = patch.remote().updateInterval().orElse(next);
                apply(patch.outcome() == TracePatchResult.Outcome.CANCEL_REQUESTED,
                        patch.outcome() == TracePatchResult.Outcome.ABORT
                                || patch.outcome() == TracePatchResult.Outcome.NOT_FOUND);
            } else {
                // no new output: touch the job anyway, so that a cancel is seen within one interval, which the
                // coordinator sets (long when nobody watches the log)
                JobUpdateResult touch = client.updateJob(job.id(), job.token(),
                        JobUpdate.running(buffer.checksum(), buffer.size()));
                next = touch.remote().updateInterval().orElse(next);
                apply(touch.cancelRequested(), touch.outcome() == JobUpdateResult.Outcome.ABORT);
            }
            return next;
        }

        private void apply(boolean cancel, boolean abort) {
            if (abort) {
                control.abort();
            } else if (cancel) {
                control.cancel();
            }
        }
    }
}
