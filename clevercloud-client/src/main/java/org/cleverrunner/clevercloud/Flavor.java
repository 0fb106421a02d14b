package org.cleverrunner.clevercloud;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A flavor (VM size): {@code name} (e.g. {@code XS}, {@code M}, {@code heptapod-runner-M}), {@code mem} in MiB,
 * {@code cpus}. Used in instance types, applications, instances (which carry only name, mem, cpus, price) and
 * {@code GET /v2/products/flavors}.
 */
public record Flavor(
        String name,
        Integer mem,
        Integer cpus,
        Integer gpus,
        Integer disk,
        Double price,
        Boolean available,
        Boolean microservice,
        @JsonProperty("machine_learning") Boolean machineLearning,
        Integer nice,
        @JsonProperty("price_id") String priceId,
        Memory memory,
        Double cpuFactor,
        Double memFactor) {

    /** {@code memory}: {@code {"unit":"B","value":…,"formatted":"1024 MiB"}}. */
    public record Memory(String unit, Double value, String formatted) {
    }

    /** Whether {@code available} is true (absent counts as false). */
    public boolean isAvailable() {
        return Boolean.TRUE.equals(available);
    }
}
