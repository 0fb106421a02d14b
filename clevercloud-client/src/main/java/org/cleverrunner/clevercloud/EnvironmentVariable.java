package org.cleverrunner.clevercloud;

import java.util.Objects;

/** One environment variable, {@code {"name":…,"value":…}}. Its value never prints: it may be a credential. */
public record EnvironmentVariable(String name, String value) {

    @Override
    public String toString() {
        return "EnvironmentVariable[name=" + name + ", value=" + (value == null ? "null" : "[MASKED]") + "]";
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof EnvironmentVariable that && Objects.equals(name, that.name)
                && Objects.equals(value, that.value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, value);
    }
}
