package org.cleverrunner.coordinator.payload;

import java.util.List;

/** {@code features}: what the coordinator supports for this job (section markers, failure reasons…). */
public record JobFeatures(boolean traceSections, List<String> failureReasons, List<String> tokenMaskPrefixes) {

    public JobFeatures {
        failureReasons = Lists.copy(failureReasons);
        tokenMaskPrefixes = Lists.copy(tokenMaskPrefixes);
    }
}
