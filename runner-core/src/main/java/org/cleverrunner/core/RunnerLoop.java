package org.cleverrunner.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.cleverrunner.coordinator.CoordinatorClient;
import org.cleverrunner.coordinator.CoordinatorException;
import org.cleverrunner.coordinator.JobRequest;
import org.cleverrunner.coordinator.JobRequestResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks one coordinator for jobs on behalf of one runner: {@code request_concurrency} request threads, each asking
 * only when a slot is free (global {@code concurrent} and the runner's {@code limit}), with long polling once the
 * coordinator gave an {@code X-GitLab-Last-Update}, {@code check_interval} between quick empty answers, and a
 * growing pause after refusals or errors.
 */
final class RunnerLoop {

    private static final Logger LOG = LoggerFactory.getLogger(RunnerLoop.class);
    private static final long QUICK_ANSWER_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private final Engine engine;
    private final RunnerSettings runner;
    private final CoordinatorClient client;
    private final Semaphore limit;
    private final Admission admission;
    private final AtomicReference<String> lastUpdate = new AtomicReference<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stopped;

    RunnerLoop(Engine engine, RunnerSettings runner, CoordinatorClient client) {
        this.engine = engine;
        this.runner = runner;
        this.client = client;
        this.limit = runner.limit() > 0 ? new Semaphore(runner.limit(), true) : null;
        this.admission = new Admission(runner.admission(), engine.provisionerFor(runner));
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
                java.util.Optional<Double> reservation = admission.reserveLargest();
                if (reservation.isEmpty()) {
                    // the weighted quota would not hold the largest flavor: wait for a job to end
                    releaseSlot();
                    pause(200);
                    continue;
                }
                double reserved = reservation.get();
                boolean handedOff = false;
                try {
                    String previous = lastUpdate.get();
                    long started = System.nanoTime();
                    JobRequestResult result = client.requestJob(new JobRequest(runner.token().reveal(),
                            engine.systemId(), previous));
                    result.lastUpdate().ifPresent(lastUpdate::set);
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
                        admission.release(reserved);
                        releaseSlot();
                    }
                }
            } catch (InterruptedException e) {
                return;
            } catch (CoordinatorException e) {
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

    private boolean acquireSlot() throws InterruptedException {
        if (!engine.concurrent().tryAcquire(200, TimeUnit.MILLISECONDS)) {
            return false;
        }
        if (limit != null && !limit.tryAcquire(200, TimeUnit.MILLISECONDS)) {
            engine.concurrent().release();
            return false;
        }
        return true;
    }

    private void releaseSlot() {
        if (limit != null) {
            limit.release();
        }
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
