package org.cleverrunner.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.cleverrunner.coordinator.CoordinatorClient;
import org.cleverrunner.coordinator.CoordinatorException;
import org.cleverrunner.coordinator.InvalidJobPayloadException;
import org.cleverrunner.coordinator.JobRequest;
import org.cleverrunner.coordinator.JobRequestResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks one coordinator for jobs on behalf of one runner: {@code request_concurrency} request threads, each asking
 * only when a slot is free (global {@code concurrent} and the runner's {@code limit}), with long polling once the
 * coordinator gave an {@code X-GitLab-Last-Update}, {@code check_interval} between quick empty answers, and a
 * growing pause after refusals or errors.
 *
 * <p>A coordinator that does not answer (no connection, 408, 429, 5xx once the client's retries are spent) is an
 * outage, not an empty queue: one warning when it starts (naming the coordinator's URL, never a token), a backoff
 * with jitter growing from {@code check_interval} to {@link #MAX_OUTAGE_BACKOFF} (or the coordinator's
 * {@code Retry-After} when longer), and one line when the coordinator answers again. The engine's listener hears
 * every unavailable answer ({@code coordinatorError(runner, "request_job")}) and each outage's start and end.
 */
final class RunnerLoop {

    private static final Logger LOG = LoggerFactory.getLogger(RunnerLoop.class);
    private static final long QUICK_ANSWER_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    /** The longest pause between job requests while a coordinator is not answering. */
    static final Duration MAX_OUTAGE_BACKOFF = Duration.ofMinutes(1);
    /** The longest {@code Retry-After} honoured. */
    private static final Duration MAX_SERVER_WAIT = Duration.ofMinutes(15);

    private final Engine engine;
    private final RunnerSettings runner;
    private final CoordinatorClient client;
    private final Slots limit;
    private final Admission admission;
    private final AtomicReference<String> lastUpdate = new AtomicReference<>();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong unavailableAnswers = new AtomicLong();
    private final AtomicLong outages = new AtomicLong();
    private final Object outageLock = new Object();
    private long downSinceNanos;
    private boolean down;
    private volatile boolean stopped;

    RunnerLoop(Engine engine, RunnerSettings runner, CoordinatorClient client) {
        this.engine = engine;
        this.runner = runner;
        this.client = client;
        this.limit = engine.limitFor(runner);
        this.admission = engine.admissionFor(runner);
    }

    void start() {
        for (int i = 0; i < runner.requestConcurrency(); i++) {
            Thread thread = new Thread(this::loop, "poll-" + runner.name() + "-" + i);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    void stop() {
        stopped = true;
        threads.forEach(Thread::interrupt);
    }

    private void loop() {
        int failures = 0;
        while (!stopped && engine.accepting()) {
            try {
                if (!acquireSlot()) {
                    continue;
                }
                if (!admission.reserveHost()) {
                    // preemptive mode: a full warm pool asks for no job (GitLab keeps it for another runner)
                    releaseSlot();
                    pause(200);
                    continue;
                }
                java.util.Optional<Double> reservation = admission.reserveLargest();
                if (reservation.isEmpty()) {
                    // the weighted quota would not hold the largest flavor: wait for a job to end
                    admission.unreserveHost();
                    releaseSlot();
                    pause(200);
                    continue;
                }
                double reserved = reservation.get();
                boolean handedOff = false;
                try {
                    String previous = lastUpdate.get();
                    long started = System.nanoTime();
                    JobRequestResult result;
                    try {
                        result = client.requestJob(new JobRequest(runner.token().reveal(), engine.systemId(),
                                previous));
                    } catch (InvalidJobPayloadException e) {
                        if (e.jobId() <= 0 || e.jobToken() == null || !engine.accepting()) {
                            throw e;
                        }
                        // GitLab assigned the job to us: fail it with the reason rather than leave it running
                        LOG.warn("runner {}: job {} has a payload this runner cannot read ({}); failing it",
                                runner.name(), e.jobId(), e.getMessage());
                        admission.release(reserved); // it will run nothing, so it holds no weight
                        admission.unreserveHost();
                        JobWorker.unreadable(engine, runner, client, e.jobId(), e.jobToken(),
                                "the job's payload cannot be read: " + e.getMessage(), this::releaseSlot).start();
                        handedOff = true;
                        continue;
                    }
                    result.lastUpdate().ifPresent(lastUpdate::set);
                    if (result instanceof JobRequestResult.Unavailable unavailable) {
                        failures++;
                        unavailable(unavailable);
                        pause(outageBackoffMillis(failures, unavailable.retryAfter()));
                        continue;
                    }
                    answered();
                    if (result instanceof JobRequestResult.JobReceived received) {
                        failures = 0;
                        if (engine.accepting()) {
                            // unconfirmed, the job goes back to the queue on the coordinator's side (two-phase commit)
                            double held = admission.settle(reserved, received.job());
                            JobWorker worker = new JobWorker(engine, runner, client, received.job(), () -> {
                                admission.release(held);
                                releaseSlot();
                            });
                            handedOff = true;
                            worker.start();
                        }
                    } else if (result instanceof JobRequestResult.NoJob) {
                        failures = 0;
                        boolean quick = System.nanoTime() - started < QUICK_ANSWER_NANOS;
                        boolean newVersion = result.lastUpdate().isPresent()
                                && !result.lastUpdate().get().equals(previous);
                        if (quick && !newVersion) {
                            pause(engine.settings().checkInterval().toMillis());
                        }
                    } else if (result instanceof JobRequestResult.Rejected rejected) {
                        failures++;
                        engine.listener().coordinatorError(runner.name(), "request_job");
                        LOG.warn("runner {}: {}", runner.name(), rejected.message());
                        pause(backoffMillis(failures));
                    }
                } finally {
                    if (!handedOff) {
                        admission.unreserveHost();
                        admission.release(reserved);
                        releaseSlot();
                    }
                }
            } catch (InterruptedException e) {
                return;
            } catch (CoordinatorException e) {
                if (stopped) {
                    return; // stopping interrupted the request: not a coordinator's failure
                }
                failures++;
                engine.listener().coordinatorError(runner.name(), "request_job");
                LOG.warn("runner {}: asking {} for a job failed: {}", runner.name(), runner.url(), e.getMessage());
                try {
                    pause(backoffMillis(failures));
                } catch (InterruptedException interrupted) {
                    return;
                }
            } catch (RuntimeException e) {
                // a bug must not stop the runner from taking jobs
                LOG.error("runner {}: unexpected error while polling", runner.name(), e);
                try {
                    pause(backoffMillis(++failures));
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    /** Unavailable answers so far (each after the client's own retries); for metrics and tests. */
    long unavailableAnswers() {
        return unavailableAnswers.get();
    }

    /** Outages so far: times the coordinator stopped answering. */
    long outages() {
        return outages.get();
    }

    /** Whether the coordinator's last answer was none. */
    boolean coordinatorDown() {
        synchronized (outageLock) {
            return down;
        }
    }

    private void unavailable(JobRequestResult.Unavailable result) {
        unavailableAnswers.incrementAndGet();
        engine.listener().coordinatorError(runner.name(), "request_job");
        boolean first;
        synchronized (outageLock) {
            first = !down;
            if (first) {
                down = true;
                downSinceNanos = System.nanoTime();
            }
        }
        if (first) {
            outages.incrementAndGet();
            LOG.warn("runner {}: the coordinator {} is not answering ({}); asking again with backoff (up to {} s)"
                    + " until it is back", runner.name(), runner.url(), result.reason(),
                    MAX_OUTAGE_BACKOFF.toSeconds());
            engine.listener().coordinatorUnavailable(runner.name(), runner.url());
        } else {
            LOG.debug("runner {}: the coordinator {} is still not answering: {}", runner.name(), runner.url(),
                    result.reason());
        }
    }

    private void answered() {
        Duration downtime;
        synchronized (outageLock) {
            if (!down) {
                return;
            }
            down = false;
            downtime = Duration.ofNanos(System.nanoTime() - downSinceNanos);
        }
        LOG.info("runner {}: the coordinator {} is back after {} s", runner.name(), runner.url(),
                Math.max(1, downtime.toSeconds()));
        engine.listener().coordinatorAvailable(runner.name(), runner.url(), downtime);
    }

    /** From check_interval, doubling to {@link #MAX_OUTAGE_BACKOFF}, jittered; a longer Retry-After wins. */
    private long outageBackoffMillis(int failures, java.util.Optional<Duration> retryAfter) {
        long base = Math.max(1, engine.settings().checkInterval().toMillis());
        long ceiling = Math.min(MAX_OUTAGE_BACKOFF.toMillis(), base << Math.min(Math.max(0, failures - 1), 20));
        long half = ceiling / 2;
        long wait = half + ThreadLocalRandom.current().nextLong(ceiling - half + 1);
        long asked = retryAfter.map(d -> Math.min(d.toMillis(), MAX_SERVER_WAIT.toMillis())).orElse(0L);
        return Math.max(wait, asked);
    }

    private boolean acquireSlot() throws InterruptedException {
        if (!engine.concurrent().tryAcquire(200, TimeUnit.MILLISECONDS)) {
            return false;
        }
        if (!limit.tryAcquire(200, TimeUnit.MILLISECONDS)) {
            engine.concurrent().release();
            return false;
        }
        return true;
    }

    private void releaseSlot() {
        limit.release();
        engine.concurrent().release();
    }

    private long backoffMillis(int failures) {
        long base = engine.settings().checkInterval().toMillis();
        return Math.min(TimeUnit.MINUTES.toMillis(5), base * (1L << Math.min(failures, 7)));
    }

    private void pause(long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (!stopped && System.currentTimeMillis() < deadline) {
            Thread.sleep(Math.min(100, Math.max(1, deadline - System.currentTimeMillis())));
        }
    }
}
