package org.cleverrunner.core;

import org.cleverrunner.spi.ProviderSettings;
import org.cleverrunner.spi.Provisioner;
import org.cleverrunner.testkit.contract.ProvisionerContract;

/** The embedded {@code local-docker} provisioner against the SPI contract; needs no Docker: it creates nothing. */
class LocalDockerProvisionerContractTest extends ProvisionerContract {

    @Override
    protected Provisioner provisioner() {
        return new LocalDockerProvisionerFactory().create(ProviderSettings.empty());
    }
}
