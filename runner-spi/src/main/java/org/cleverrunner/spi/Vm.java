package org.cleverrunner.spi;

import java.util.Map;
import java.util.Objects;

/**
 * A VM as its backend knows it.
 *
 * @param id the backend's id (an application id, an instance UUID)
 * @param name the name it was created with, which the lifecycle derives from the runner and the job
 * @param flavor its size, or null when the backend does not say
 * @param attributes backend facts for logs (zone, organisation)
 */
public record Vm(String id, String name, String flavor, Map<String, String> attributes) {
    public Vm {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        attributes = Map.copyOf(attributes == null ? Map.of() : attributes);
    }
}
