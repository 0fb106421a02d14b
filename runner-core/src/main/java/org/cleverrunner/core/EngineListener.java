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

    default void jobAcquired(String runner, long jobId) {
    }

    default void hostAcquired(String runner, long jobId, String provisioner, Duration provisioning) {
    }

    default void hostReleased(String runner, long jobId, String provisioner) {
    }

    default void jobFinished(String runner, long jobId, JobOutcome outcome, Duration duration) {
    }

    /** A host was billed: its flavor and its uptime rounded up to 10 s. */
    default void billed(String runner, String provisioner, String flavor, long billedSeconds) {
    }

    /** A coordinator call failed (transport error or an unexpected answer). */
    default void coordinatorError(String runner, String call) {
    }
}
