package org.cleverrunner.spi;

import java.util.Objects;

/**
 * How a job ended on its host. A failing script is an outcome, not an exception.
 *
 * @param exitCode the script's exit code when it failed, else null
 * @param message one line for the runner's log (never a secret)
 */
public record JobOutcome(Status status, FailureKind failure, Integer exitCode, String message) {

    public enum Status {
        SUCCESS,
        FAILED,
        CANCELED
    }

    /** Why a job failed, as the runner classifies it (the coordinator's failure reasons). */
    public enum FailureKind {
        SCRIPT_FAILURE,
        RUNNER_SYSTEM_FAILURE,
        JOB_EXECUTION_TIMEOUT,
        IMAGE_PULL_FAILURE,
        RUNNER_CONFIGURATION_ERROR,
        JOB_CANCELED
    }

    public JobOutcome {
        Objects.requireNonNull(status, "status");
        if (status == Status.SUCCESS && failure != null) {
            throw new IllegalArgumentException("a successful job has no failure kind");
        }
    }

    public static JobOutcome success() {
        return new JobOutcome(Status.SUCCESS, null, null, null);
    }

    public static JobOutcome failed(FailureKind failure, Integer exitCode, String message) {
        return new JobOutcome(Status.FAILED, Objects.requireNonNull(failure, "failure"), exitCode, message);
    }

    public static JobOutcome canceled(String message) {
        return new JobOutcome(Status.CANCELED, FailureKind.JOB_CANCELED, null, message);
    }
}
