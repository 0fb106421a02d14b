package org.cleverrunner.clevercloud;

import com.fasterxml.jackson.annotation.JsonEnumDefaultValue;

/** A v2 instance's {@code state}; {@code UP} means running. Values the client does not know read as {@link #UNKNOWN}. */
public enum InstanceState {
    BOOTING,
    STARTING,
    DEPLOYING,
    MIGRATION_IN_PROGRESS,
    TASK_IN_PROGRESS,
    READY,
    UP,
    GHOST,
    STOPPING,
    DELETED,
    @JsonEnumDefaultValue
    UNKNOWN
}
