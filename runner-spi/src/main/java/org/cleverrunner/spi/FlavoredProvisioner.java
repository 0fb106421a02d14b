package org.cleverrunner.spi;

import java.util.Map;

/**
 * An optional capability of a {@link Provisioner} whose hosts come in sizes: the engine admits jobs by their
 * flavor's weight and bills them by their flavor's price. Jobs name their flavor in {@code CI_CLEVER_CLOUD_FLAVOR}.
 */
public interface FlavoredProvisioner extends Provisioner {

    /** The flavors jobs may ask for, by name, up to the configured maximum. */
    Map<String, Flavor> flavors();

    /** The flavor of jobs that ask for none. */
    String defaultFlavor();

    /** The currency of {@link Flavor#pricePerHour()}, for the cost line at the end of each job's log. */
    default String currency() {
        return "EUR";
    }

    /** The largest flavor a job may ask for. */
    default Flavor largestFlavor() {
        return flavors().values().stream().max(java.util.Comparator.comparingDouble(Flavor::weight))
                .orElseThrow(() -> new IllegalStateException("a flavored provisioner offers no flavor"));
    }
}
