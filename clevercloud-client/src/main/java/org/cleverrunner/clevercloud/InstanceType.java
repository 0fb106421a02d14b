package org.cleverrunner.clevercloud;

import java.util.List;
import org.cleverrunner.clevercloud.internal.Values;

/**
 * An instance type from {@code GET /v2/products/instances}: what {@code instanceType}, {@code instanceVersion} and
 * {@code instanceVariant} of an {@link ApplicationCreation} come from.
 */
public record InstanceType(
        String type,
        String version,
        String name,
        InstanceVariant variant,
        String description,
        Boolean enabled,
        Boolean comingSoon,
        Integer maxInstances,
        List<String> tags,
        List<String> deployments,
        List<Flavor> flavors,
        Flavor defaultFlavor,
        Flavor buildFlavor) {

    public InstanceType {
        tags = Values.list(tags);
        deployments = Values.list(deployments);
        flavors = Values.list(flavors);
    }

    public boolean isEnabled() {
        return Boolean.TRUE.equals(enabled);
    }
}
