package org.cleverrunner.spi;

/**
 * Creates {@link VmBackend}s; registered in {@code META-INF/services/org.cleverrunner.spi.VmBackendFactory}. The
 * engine puts the host lifecycle over the backend, so a runner names it as its {@code provisioner}.
 */
public interface VmBackendFactory extends Provider {

    /**
     * A backend configured by these settings; fails naming the setting that is missing or wrong. The lifecycle's
     * own keys ({@code name-prefix}, {@code boot-timeout}, {@code poll-interval}) are in the same settings and are
     * not the backend's to refuse.
     */
    VmBackend create(ProviderSettings settings);
}
