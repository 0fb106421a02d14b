package org.cleverrunner.testkit.clevercloud;

import java.util.List;
import java.util.Objects;

/**
 * A flavor of the simulated catalog.
 *
 * @param name         the API name, e.g. {@code heptapod-runner-M} or {@code M}
 * @param mem          memory in MiB
 * @param cpus         vCPUs
 * @param pricePerHour EUR per hour (the reference's CMP fixture); also sent as the JSON {@code price}, whose real
 *                     unit is not established
 * @param available    whether it can be used
 * @param priceId      e.g. {@code heptapod-runner.M} or {@code apps.M}
 */
public record Flavor(String name, int mem, int cpus, double pricePerHour, boolean available, String priceId) {

    public Flavor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(priceId, "priceId");
    }

    /** The short name: {@code M} for {@code heptapod-runner-M}. */
    public String shortName() {
        int dash = name.lastIndexOf('-');
        return dash < 0 ? name : name.substring(dash + 1);
    }

    private static final List<String> SIZES = List.of("XS", "S", "M", "L", "XL", "2XL", "3XL");
    private static final int[] CPUS = {1, 2, 4, 6, 8, 12, 16};

    /**
     * The runner flavors of a context (reference §3: XS 1 vCPU/2 GiB … 3XL 16 vCPU/32 GiB, priced per CMP's fixture),
     * named {@code <context>-<SIZE>}.
     */
    public static List<Flavor> runnerFlavors(String context) {
        int[] memGiB = {2, 4, 8, 12, 16, 24, 32};
        double[] price = {0.1111, 0.2778, 0.5556, 0.8333, 1.1111, 1.8333, 2.6667};
        Flavor[] out = new Flavor[SIZES.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = new Flavor(context + "-" + SIZES.get(i), memGiB[i] * 1024, CPUS[i], price[i], true,
                    context + "." + SIZES.get(i));
        }
        return List.of(out);
    }

    /** Regular application flavors (reference §3): XS 1 vCPU/1 GiB … 3XL 16 vCPU/32 GiB. */
    public static List<Flavor> applicationFlavors() {
        int[] mem = {1024, 2048, 4096, 8192, 16384, 24576, 32768};
        double[] price = {0.0222, 0.0444, 0.1056, 0.2111, 0.4222, 0.6667, 0.8889};
        Flavor[] out = new Flavor[SIZES.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = new Flavor(SIZES.get(i), mem[i], CPUS[i], price[i], true, "apps." + SIZES.get(i));
        }
        return List.of(out);
    }
}
