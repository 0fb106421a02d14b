package org.cleverrunner.coordinator.payload;

import java.util.List;

/** One step ({@code script}, {@code after_script}, {@code release}…) with its shell lines. */
public record JobStep(String name, List<String> script, long timeout, String when, boolean allowFailure) {

    public static final String SCRIPT = "script";
    public static final String AFTER_SCRIPT = "after_script";

    public JobStep {
        script = Lists.copy(script);
    }
}
