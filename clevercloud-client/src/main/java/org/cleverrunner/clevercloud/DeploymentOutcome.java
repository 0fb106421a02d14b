package org.cleverrunner.clevercloud;

import java.time.Duration;
import java.util.Objects;

/**
 * How waiting for a deployment ended. {@code deployment} is the last state seen (null if the deployment never
 * became visible before the timeout).
 */
public record DeploymentOutcome(Status status, Deployment deployment, Duration waited) {

    public enum Status {
        /** {@code OK}. */
        SUCCEEDED,
        /** {@code TASK_RUNNING}: the deployment of a {@code TASK} application is done and its task runs. */
        TASK_RUNNING,
        /** {@code FAIL}. */
        FAILED,
        /** {@code CANCELLED}. */
        CANCELLED,
        /** Still not in a final state when the timeout came. */
        TIMED_OUT
    }

    public DeploymentOutcome {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(waited, "waited");
    }

    /** {@code SUCCEEDED} or {@code TASK_RUNNING}. */
    public boolean isSuccess() {
        return status == Status.SUCCEEDED || status == Status.TASK_RUNNING;
    }
}
