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
}
