package org.cleverrunner.core;

import java.time.Duration;
import org.cleverrunner.spi.JobOutcome;

/**
 * What the engine tells observers (metrics, tests). Every method has a no-op default so new events do not break
 * implementations; they must be quick and must not throw.
 */
public interface EngineListener {

    EngineListener NONE = new EngineListener() {
    };

    /** One listener telling each of these, in order, every event. */
    static EngineListener all(EngineListener... listeners) {
        java.util.List<EngineListener> each = java.util.List.of(listeners);
        return new EngineListener() {
            @Override
            public void jobAcquired(String runner, long jobId) {
                each.forEach(l -> l.jobAcquired(runner, jobId));
            }

            @Override
            public void hostAcquired(String runner, long jobId, String provisioner, Duration provisioning) {
                each.forEach(l -> l.hostAcquired(runner, jobId, provisioner, provisioning));
            }

            @Override
            public void hostReleased(String runner, long jobId, String provisioner) {
                each.forEach(l -> l.hostReleased(runner, jobId, provisioner));
            }

            @Override
            public void jobFinished(String runner, long jobId, JobOutcome outcome, Duration duration) {
                each.forEach(l -> l.jobFinished(runner, jobId, outcome, duration));
            }

            @Override
            public void billed(String runner, String provisioner, String flavor, long billedSeconds) {
                each.forEach(l -> l.billed(runner, provisioner, flavor, billedSeconds));
            }

            @Override
            public void poolIdle(String runner, String provisioner, String flavor, long idleSeconds) {
                each.forEach(l -> l.poolIdle(runner, provisioner, flavor, idleSeconds));
            }

            @Override
            public void coordinatorError(String runner, String call) {
                each.forEach(l -> l.coordinatorError(runner, call));
            }

            @Override
            public void coordinatorUnavailable(String runner, String url) {
                each.forEach(l -> l.coordinatorUnavailable(runner, url));
            }

            @Override
            public void coordinatorAvailable(String runner, String url, Duration downtime) {
                each.forEach(l -> l.coordinatorAvailable(runner, url, downtime));
            }
        };
    }

    default void jobAcquired(String runner, long jobId) {
    }

    default void hostAcquired(String runner, long jobId, String provisioner, Duration provisioning) {
    }

    default void hostReleased(String runner, long jobId, String provisioner) {
    }

    default void jobFinished(String runner, long jobId, JobOutcome outcome, Duration duration) {
    }

    /**
     * A host was billed: its flavor and its uptime rounded up to 10 s. A job's own host is billed when the job
     * releases it; a warm pool's VM once, when the pool deletes it (its whole life, jobs and idle time).
     */
    default void billed(String runner, String provisioner, String flavor, long billedSeconds) {
    }

    /** Of a deleted warm pool VM's billed time, the seconds no job ran on it. */
    default void poolIdle(String runner, String provisioner, String flavor, long idleSeconds) {
    }

    /** A coordinator call failed (transport error or an unexpected answer). */
    default void coordinatorError(String runner, String call) {
    }

    /**
     * A runner's coordinator stopped answering job requests (no connection, 408, 429 or 5xx once the client's
     * retries are spent); called once per outage. Every unavailable answer is also a
     * {@link #coordinatorError(String, String) coordinatorError(runner, "request_job")}.
     *
     * @param url the coordinator's URL as configured (never with credentials)
     */
    default void coordinatorUnavailable(String runner, String url) {
    }

    /** The coordinator answers again after an outage that lasted {@code downtime}. */
    default void coordinatorAvailable(String runner, String url, Duration downtime) {
    }
}
