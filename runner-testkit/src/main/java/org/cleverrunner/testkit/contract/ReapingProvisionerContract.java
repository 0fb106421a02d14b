package org.cleverrunner.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.cleverrunner.spi.Host;
import org.cleverrunner.spi.Provisioner;
import org.cleverrunner.spi.ReapingProvisioner;
import org.junit.jupiter.api.Test;

/**
 * The {@link ProvisionerContract} plus what a {@link ReapingProvisioner} promises: a host is among the runner's
 * leftovers while acquired and not after release, and an interrupted acquire leaves nothing behind.
 */
public abstract class ReapingProvisionerContract extends ProvisionerContract {

    @Override
    protected abstract ReapingProvisioner provisioner();

    private ReapingProvisioner reaping() {
        return (ReapingProvisioner) current();
    }

    @Test
    public void interruptedAcquireLeavesNothingBehind() {
        ReapingProvisioner reaping = reaping();
        String runnerId = request(8).runnerId();
        Set<String> before = ids(reaping.leftovers(runnerId));

        Outcome outcome = acquireInThread(8, false, Duration.ofMillis(200));
        if (outcome.host() != null) {
            reaping().release(outcome.host());
        }

        assertThat(ids(reaping.leftovers(runnerId))).as("leftovers after an interrupted acquire")
                .isSubsetOf(before);
    }

    @Test
    public void anAcquiredHostIsALeftoverUntilReleased() throws InterruptedException {
        ReapingProvisioner reaping = reaping();
        String runnerId = request(9).runnerId();
        Host host = acquire(9);

        assertThat(ids(reaping.leftovers(runnerId))).as("leftovers while the host is in use").contains(host.id());

        reaping().release(host);

        assertThat(ids(reaping.leftovers(runnerId))).as("leftovers after release").doesNotContain(host.id());
    }


    private static Set<String> ids(List<Host> hosts) {
        assertThat(hosts).as("leftovers").isNotNull();
        return hosts.stream().map(Host::id).collect(Collectors.toCollection(HashSet::new));
    }
}
