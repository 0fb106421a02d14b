package org.cleverrunner.coordinator.payload;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import java.util.List;
import org.cleverrunner.coordinator.payload.internal.WordsDeserializer;

/**
 * {@code image}: the job's image. {@code entrypoint} and {@code command} are arrays as YAML-driven jobs send
 * them; a plain string (as some Rails factories send) is split on whitespace.
 */
public record JobImage(
        String name,
        @JsonDeserialize(using = WordsDeserializer.class) List<String> entrypoint,
        @JsonDeserialize(using = WordsDeserializer.class) List<String> command,
        List<PortSpec> ports,
        ExecutorOptions executorOpts,
        List<String> pullPolicy) {

    public JobImage {
        entrypoint = Lists.copy(entrypoint);
        command = Lists.copy(command);
        ports = Lists.copy(ports);
        pullPolicy = Lists.copy(pullPolicy);
    }

    public static JobImage of(String name) {
        return new JobImage(name, null, null, null, null, null);
    }
}
