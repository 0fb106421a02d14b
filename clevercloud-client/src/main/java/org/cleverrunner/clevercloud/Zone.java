package org.cleverrunner.clevercloud;

/** A zone from {@code GET /v2/products/zones} ({@code par}, {@code rbx}, {@code mtl}…). */
public record Zone(String name, Boolean internal, String correspondingRegion) {
}
