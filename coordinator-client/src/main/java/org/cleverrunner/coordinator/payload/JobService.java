package org.cleverrunner.coordinator.payload;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import java.util.ArrayList;
import java.util.List;
import org.cleverrunner.coordinator.payload.internal.AliasDeserializer;
import org.cleverrunner.coordinator.payload.internal.WordsDeserializer;

/**
 * A service container. {@code alias} may hold several names separated by commas or spaces (or arrive as a JSON
 * array); {@link #aliases()} gives them one by one.
 */
public record JobService(
        String name,
        @JsonDeserialize(using = WordsDeserializer.class) List<String> entrypoint,
        @JsonDeserialize(using = WordsDeserializer.class) List<String> command,
        @JsonDeserialize(using = AliasDeserializer.class) String alias,
        List<PortSpec> ports,
        List<ServiceVariable> variables,
        ExecutorOptions executorOpts,
        List<String> pullPolicy) {

    public JobService {
        entrypoint = Lists.copy(entrypoint);
        command = Lists.copy(command);
        ports = Lists.copy(ports);
        variables = Lists.copy(variables);
        pullPolicy = Lists.copy(pullPolicy);
    }

    public static JobService of(String name) {
        return new JobService(name, null, null, null, null, null, null, null);
    }

    /** The explicit aliases, split on commas and whitespace, in order, without blanks. */
    public List<String> aliases() {
        if (alias == null || alias.isBlank()) {
            return List.of();
        }
        List<String> result = new ArrayList<>();
        for (String part : alias.split("[,\\s]+")) {
            if (!part.isEmpty() && !result.contains(part)) {
                result.add(part);
            }
        }
        return List.copyOf(result);
    }

    /** A service's own variable ({@code services[].variables}). */
    public record ServiceVariable(String key, String value) {
        @Override
        public String toString() {
            return "ServiceVariable[" + key + "]";
        }
    }
}
