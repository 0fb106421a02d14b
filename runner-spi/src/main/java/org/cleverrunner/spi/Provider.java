package org.cleverrunner.spi;

/**
 * A stateless factory found by {@link java.util.ServiceLoader}, named by a short id ({@code local-docker},
 * {@code clever-cloud}, {@code s3}…). It creates the stateful instances that do the work.
 */
public interface Provider {

    /** The id users write in configuration: lower case, digits and dashes. */
    String id();

    /** One line for humans, shown when listing what is available. */
    default String description() {
        return id();
    }

    /**
     * Every problem of these settings, each with its key's full path ({@code runners[0].provisioners.clever-cloud
     * .max-flavour: unknown key (did you mean "max-flavor"?)}), none echoing a secret; empty when {@code create}
     * would accept them. Each provider validates its own keys: the configuration layer only hands it its table.
     * Never touches the network.
     */
    default java.util.List<String> validate(ProviderSettings settings) {
        return java.util.List.of();
    }
}
