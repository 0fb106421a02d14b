package org.cleverrunner.examples;

import java.util.Map;
import org.cleverrunner.spi.ProviderSettings;
import org.cleverrunner.spi.Provisioner;
import org.cleverrunner.spi.ProvisionerFactory;
import org.cleverrunner.spi.Providers;
import org.cleverrunner.testkit.contract.ProvisionerContract;

/** The example provisioner, found by ServiceLoader as a user's would be, passes the SPI's contract. */
class StaticPoolProvisionerContractTest extends ProvisionerContract {

    @Override
    protected Provisioner provisioner() {
        return Providers.find(ProvisionerFactory.class, "static-pool", getClass().getClassLoader())
                .create(new ProviderSettings("static-pool", Map.of("hosts",
                        "tcp://127.0.0.1:2376, tcp://127.0.0.1:2377, tcp://127.0.0.1:2378")));
    }
}
