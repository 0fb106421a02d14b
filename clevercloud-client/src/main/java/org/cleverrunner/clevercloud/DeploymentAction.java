package org.cleverrunner.clevercloud;

import com.fasterxml.jackson.annotation.JsonEnumDefaultValue;

/** A v2 deployment's {@code action}. Values the client does not know read as {@link #UNKNOWN}. */
public enum DeploymentAction {
    DEPLOY,
    UNDEPLOY,
    UPSCALE,
    DOWNSCALE,
    REPLACE,
    CANCEL,
    NONE,
    @JsonEnumDefaultValue
    UNKNOWN
}
