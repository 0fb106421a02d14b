package org.cleverrunner.coordinator;

import java.util.Collection;
import java.util.Locale;

/**
 * Why a job failed, as the runner can tell. Before sending, {@link #forCoordinator} maps a reason the coordinator
 * does not list in the job's {@code features.failure_reasons} to one it knows, as GitLab Runner does.
 */
public enum FailureReason {
    SCRIPT_FAILURE,
    RUNNER_SYSTEM_FAILURE,
    JOB_EXECUTION_TIMEOUT,
    IMAGE_PULL_FAILURE,
    UNKNOWN_FAILURE,
    RUNNER_CONFIGURATION_ERROR,
    RUNNER_EXTERNAL_DEPENDENCY_FAILURE,
    RUNNER_INTERRUPTED,
    JOB_CANCELED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** This reason, or the closest one the coordinator supports. */
    public FailureReason forCoordinator(Collection<String> supported) {
        if (this == SCRIPT_FAILURE || this == RUNNER_SYSTEM_FAILURE || this == JOB_EXECUTION_TIMEOUT
                || supported.contains(wireName())) {
            return this;
        }
        return switch (this) {
            case IMAGE_PULL_FAILURE, RUNNER_EXTERNAL_DEPENDENCY_FAILURE -> RUNNER_SYSTEM_FAILURE;
            case RUNNER_CONFIGURATION_ERROR -> SCRIPT_FAILURE;
            default -> UNKNOWN_FAILURE;
        };
    }
}
