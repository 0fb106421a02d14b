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

    public static Provisioner create(String id, ProviderSettings settings, ClassLoader loader) {
        Map<String, ProvisionerFactory> plain = Providers.discover(ProvisionerFactory.class, loader);
        if (plain.containsKey(id)) {
            return Providers.find(ProvisionerFactory.class, id, loader).create(settings);
        }
        Map<String, VmBackendFactory> backends = Providers.discover(VmBackendFactory.class, loader);
        if (backends.containsKey(id)) {
            return new HostLifecycle(Providers.find(VmBackendFactory.class, id, loader).create(settings),
                    lifecycle(settings));
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
