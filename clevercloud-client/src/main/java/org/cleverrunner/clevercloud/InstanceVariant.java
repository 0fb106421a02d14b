package org.cleverrunner.clevercloud;

/** An instance variant: {@code id} is the UUID sent as {@code instanceVariant}; {@code slug} e.g. {@code docker}. */
public record InstanceVariant(String id, String slug, String name, String deployType, String logo) {
}
