package org.cleverrunner.clevercloud;

import com.fasterxml.jackson.annotation.JsonEnumDefaultValue;

/** Whether the application redirects HTTP to HTTPS ({@code forceHttps}). Values the client does not know read as {@link #UNKNOWN}. */
public enum ForceHttps {
    ENABLED,
    DISABLED,
    @JsonEnumDefaultValue
    UNKNOWN
}
