package org.cleverrunner.spi;

import java.util.Objects;

/**
 * A size of host a provisioner offers: its name as jobs ask for it ({@code XS} … {@code 3XL}), its memory and
 * CPUs, and its price per hour in the configured currency (0 when unknown), for admission and billing.
 */
public record Flavor(String name, long memoryMiB, double cpus, double pricePerHour) {

    public Flavor {
        Objects.requireNonNull(name, "name");
        if (memoryMiB <= 0) {
            throw new IllegalArgumentException("flavor " + name + " needs a positive memory, got " + memoryMiB);
        }
    }

    /**
     * The flavor's weight for admission: its memory in GiB to the power 1.25, so that large hosts count for more
     * than their share, as the previous Clever Cloud runner learned it must.
     */
    public double weight() {
        return Math.pow(memoryMiB / 1024.0, 1.25);
    }
}
