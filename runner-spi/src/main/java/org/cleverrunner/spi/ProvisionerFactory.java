package org.cleverrunner.spi;

/** Creates {@link Provisioner}s; registered in {@code META-INF/services/org.cleverrunner.spi.ProvisionerFactory}. */
public interface ProvisionerFactory extends Provider {

    /** A provisioner configured by these settings; fails naming the setting that is missing or wrong. */
    Provisioner create(ProviderSettings settings);
}
