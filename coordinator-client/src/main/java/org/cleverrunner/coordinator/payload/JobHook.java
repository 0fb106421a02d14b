package org.cleverrunner.coordinator.payload;

import java.util.List;

/** A hook such as {@code pre_get_sources_script}. */
public record JobHook(String name, List<String> script) {

    public JobHook {
        script = Lists.copy(script);
    }
}
