package org.cleverrunner.clevercloud;

import com.fasterxml.jackson.annotation.JsonEnumDefaultValue;

/** An application's {@code state}. Values the client does not know read as {@link #UNKNOWN}. */
public enum ApplicationState {
    SHOULD_BE_UP,
    SHOULD_BE_DOWN,
    WANTS_TO_BE_UP,
    MODERATED,
    DEFAULT_OF_PAYMENT,
    @JsonEnumDefaultValue
    UNKNOWN
}
