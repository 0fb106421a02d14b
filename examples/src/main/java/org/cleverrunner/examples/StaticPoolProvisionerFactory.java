package org.cleverrunner.examples;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import org.cleverrunner.spi.Host;
import org.cleverrunner.spi.HostRequest;
import org.cleverrunner.spi.ProviderSettings;
import org.cleverrunner.spi.Provisioner;
import org.cleverrunner.spi.ProvisionerFactory;
import org.cleverrunner.spi.RunnerSpiException;

/**
 * A provisioner of one's own: a fixed pool of Docker hosts (bare metal, VMs you manage), each lent to one job at a
 * time. Registered in {@code META-INF/services/org.cleverrunner.spi.ProvisionerFactory}, chosen in config.toml with
 * {@code provisioner = "static-pool"} and configured in {@code [runners.provisioners.static-pool]}:
 * {@code hosts = "tcp://10.0.0.5:2376,tcp://10.0.0.6:2376"}.
 */
public final class StaticPoolProvisionerFactory implements ProvisionerFactory {

    @Override
    public String id() {
        return "static-pool";
    }

    @Override
    public String description() {
        return "a fixed pool of Docker hosts, one job per host at a time";
    }

    @Override
    public Provisioner create(ProviderSettings settings) {
        List<URI> endpoints = new ArrayList<>();
        for (String host : settings.require("hosts").split(",")) {
            try {
                endpoints.add(URI.create(host.strip()));
            } catch (IllegalArgumentException e) {
                throw new RunnerSpiException("setting '" + settings.prefix() + ".hosts' has a bad URI: " + host);
            }
        }
        return new StaticPool(endpoints);
    }

    /** Hands out free hosts, waiting (interruptibly) when all are busy. */
    static final class StaticPool implements Provisioner {
        private final List<URI> endpoints;
        private final boolean[] busy;
        private final Semaphore free;

        StaticPool(List<URI> endpoints) {
            this.endpoints = List.copyOf(endpoints);
            this.busy = new boolean[endpoints.size()];
            this.free = new Semaphore(endpoints.size(), true);
        }

        @Override
        public Host acquire(HostRequest request) throws InterruptedException {
            free.acquire();
            synchronized (busy) {
                for (int i = 0; i < busy.length; i++) {
                    if (!busy[i]) {
                        busy[i] = true;
                        return new Host("pool-" + i, endpoints.get(i), null, null, Map.of("pool-index",
                                Integer.toString(i)));
                    }
                }
            }
            free.release();
            throw new IllegalStateException("no free host although the pool said one was free");
        }

        @Override
        public void release(Host host) {
            synchronized (busy) {
                int index = Integer.parseInt(host.attributes().getOrDefault("pool-index", "-1"));
                if (index >= 0 && busy[index]) {
                    busy[index] = false;
                    free.release();
                }
            }
        }
    }
}
