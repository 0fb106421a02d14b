package org.cleverrunner.coordinator.payload;

/** A port declared on an image or service. */
public record PortSpec(int number, String protocol, String name) {
}
