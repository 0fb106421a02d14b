package org.cleverrunner.spi;

import java.util.Map;
import java.util.Objects;

/**
 * What the lifecycle asks of a backend for one VM.
 *
 * @param name the VM's name, unique per runner and job ({@code <prefix>-<runner id>-<job id>})
 * @param flavor a flavor among the backend's {@link VmBackend#flavors()}
 * @param labels labels or tags to put on the VM
 * @param accessToken the bearer token the VM's Docker endpoint (its gateway) must require
 */
public record VmSpec(String name, String flavor, Map<String, String> labels, Secret accessToken) {
    public VmSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(flavor, "flavor");
        Objects.requireNonNull(accessToken, "accessToken");
        labels = Map.copyOf(labels == null ? Map.of() : labels);
    }

    @Override
    public String toString() {
        return "VmSpec[" + name + ", " + flavor + ", " + labels + ", " + Secret.MASK + "]";
    }
}
