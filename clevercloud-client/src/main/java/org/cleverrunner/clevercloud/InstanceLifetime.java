package org.cleverrunner.clevercloud;

import com.fasterxml.jackson.annotation.JsonEnumDefaultValue;

/** An application's lifetime ({@code instanceLifetime} at creation, {@code instance.lifetime} in answers); a CI job's VM is a {@code TASK}. Values the client does not know read as {@link #UNKNOWN}. */
public enum InstanceLifetime {
    REGULAR,
    MIGRATION,
    TASK,
    @JsonEnumDefaultValue
    UNKNOWN
}
