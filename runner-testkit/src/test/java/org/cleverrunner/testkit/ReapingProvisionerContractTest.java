package org.cleverrunner.testkit;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.cleverrunner.spi.Host;
import org.cleverrunner.spi.HostRequest;
import org.cleverrunner.spi.Provisioner;
import org.cleverrunner.spi.ReapingProvisioner;
import org.cleverrunner.testkit.contract.ReapingProvisionerContract;

/**
 * Runs the kit's blocking and reaping tests, which no provisioner of this module exercises: a provisioner whose
 * hosts take a while to "boot", created before the wait the way a VM is, and deleted on interruption.
 */
class ReapingProvisionerContractTest extends ReapingProvisionerContract {

    @Override
    protected ReapingProvisioner provisioner() {
        return new BootingProvisioner();
    }

    private static final class BootingProvisioner implements ReapingProvisioner {

        private final Map<String, Host> existing = new ConcurrentHashMap<>();
        private final Map<String, String> owners = new ConcurrentHashMap<>();
        private final AtomicInteger sequence = new AtomicInteger();

        @Override
        public Host acquire(HostRequest request) throws InterruptedException {
            String id = request.runnerId() + "-" + request.jobId() + "-" + sequence.incrementAndGet();
            Host host = new Host(id, URI.create("tcp://" + id + ".test:2376"), null, null, Map.of());
            existing.put(id, host);
            owners.put(id, request.runnerId());
            try {
                Thread.sleep(500); // booting: longer than the kit waits before interrupting
            } catch (InterruptedException e) {
                release(host); // a canceled job leaves nothing behind
                throw e;
            }
            return host;
        }

        @Override
        public void release(Host host) {
            existing.remove(host.id());
            owners.remove(host.id());
        }

        @Override
        public List<Host> leftovers(String runnerId) {
            return existing.values().stream().filter(host -> runnerId.equals(owners.get(host.id()))).toList();
        }
    }
}
