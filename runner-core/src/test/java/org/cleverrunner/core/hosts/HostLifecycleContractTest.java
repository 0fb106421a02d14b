package org.cleverrunner.core.hosts;

import java.time.Duration;
import org.cleverrunner.spi.ReapingProvisioner;
import org.cleverrunner.testkit.contract.ReapingProvisionerContract;

/** The provisioner contract, held by the lifecycle over a cloud in memory whose VMs take real time to boot. */
class HostLifecycleContractTest extends ReapingProvisionerContract {

    @Override
    protected ReapingProvisioner provisioner() {
        InMemoryBackend backend = new InMemoryBackend();
        backend.bootPolls = 5;
        return new HostLifecycle(backend, HostLifecycle.Settings.defaults().withPollInterval(Duration.ofMillis(100))
                .withBootTimeout(Duration.ofSeconds(20)).withProbe((endpoint, token) -> null));
    }
}
