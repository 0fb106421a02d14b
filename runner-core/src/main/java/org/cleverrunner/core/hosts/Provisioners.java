package org.cleverrunner.core.hosts;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.cleverrunner.spi.ProviderSettings;
import org.cleverrunner.spi.Providers;
import org.cleverrunner.spi.Provisioner;
import org.cleverrunner.spi.ProvisionerFactory;
import org.cleverrunner.spi.UnknownProviderException;
import org.cleverrunner.spi.VmBackendFactory;

/**
 * The provisioner a runner names: a {@link ProvisionerFactory} of that id (a static pool, the local engine), else a
 * {@link VmBackendFactory} of that id under the {@link HostLifecycle}, whose keys ({@code name-prefix},
 * {@code boot-timeout}, {@code poll-interval}) are read from the same settings.
 */
public final class Provisioners {

    private Provisioners() {
    }

    /** Without a warm pool (the {@code reap} and {@code exec} commands: they keep no VM). */
    public static Provisioner create(String id, ProviderSettings settings, ClassLoader loader) {
        return create(id, settings, loader, null);
    }

    /**
     * With the warm pool the settings ask for ({@code pool.*}, from {@code [runners.autoscaler]}) for the runner
     * {@code runnerId}, whose VMs it names; {@code runnerId} null: no pool.
     */
    public static Provisioner create(String id, ProviderSettings settings, ClassLoader loader, String runnerId) {
        org.cleverrunner.core.hosts.pool.PoolPolicy pool = runnerId == null ? null
                : org.cleverrunner.core.hosts.pool.PolicySpec.fromSettings(settings);
        Map<String, ProvisionerFactory> plain = Providers.discover(ProvisionerFactory.class, loader);
        if (plain.containsKey(id)) {
            if (pool != null) {
                throw new org.cleverrunner.spi.RunnerSpiException("the provisioner '" + id + "' cannot keep a warm"
                        + " pool ([runners.autoscaler]): only VM backends can");
            }
            return Providers.find(ProvisionerFactory.class, id, loader).create(settings);
        }
        Map<String, VmBackendFactory> backends = Providers.discover(VmBackendFactory.class, loader);
        if (backends.containsKey(id)) {
            return new HostLifecycle(Providers.find(VmBackendFactory.class, id, loader).create(settings),
                    lifecycle(settings), pool, runnerId);
        }
        List<String> known = new ArrayList<>(plain.keySet());
        known.addAll(backends.keySet());
        throw new UnknownProviderException("provisioner", id, known.stream().sorted().toList());
    }

    /** The lifecycle's settings from a provisioner's table, defaults for what it does not set. */
    public static HostLifecycle.Settings lifecycle(ProviderSettings settings) {
        HostLifecycle.Settings lifecycle = HostLifecycle.Settings.defaults();
        if (settings.get("name-prefix").isPresent()) {
            try {
                lifecycle = lifecycle.withNamePrefix(settings.require("name-prefix"));
            } catch (IllegalArgumentException e) {
                throw new org.cleverrunner.spi.RunnerSpiException("setting '" + settings.prefix() + ".name-prefix': "
                        + e.getMessage());
            }
        }
        lifecycle = lifecycle.withBootTimeout(settings.getDuration("boot-timeout").orElse(lifecycle.bootTimeout()));
        return lifecycle.withPollInterval(settings.getDuration("poll-interval").orElse(lifecycle.pollInterval()));
    }
}
