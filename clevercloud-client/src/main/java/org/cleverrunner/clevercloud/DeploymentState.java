package org.cleverrunner.clevercloud;

import com.fasterxml.jackson.annotation.JsonEnumDefaultValue;

/**
 * A v2 deployment's {@code state}: {@code WIP} while it runs, then {@code OK}, {@code FAIL} or {@code CANCELLED};
 * {@code TASK_RUNNING} for a {@code TASK} application whose task runs. Values the client does not know read as
 * {@link #UNKNOWN}.
 */
public enum DeploymentState {
    TASK_RUNNING,
    WIP,
    FAIL,
    CANCELLED,
    OK,
    @JsonEnumDefaultValue
    UNKNOWN;

    /** Whether the deployment will not change state any more (everything but {@code WIP} and unknown states). */
    public boolean isFinal() {
        return this == OK || this == FAIL || this == CANCELLED || this == TASK_RUNNING;
    }
}
