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

    /** The keys of a provisioner's table that are the host lifecycle's only (poll-interval is the backend's too). */
    static final java.util.Set<String> LIFECYCLE_ONLY_KEYS = java.util.Set.of("name-prefix", "boot-timeout");

    /**
     * Every problem of the settings of the provisioner {@code id}, each with its path: an unknown id, the keys its
     * factory refuses, and for a VM backend the lifecycle's and the warm pool's. Never touches the network.
     */
    public static List<String> validate(String id, ProviderSettings settings, ClassLoader loader) {
        Map<String, ProvisionerFactory> plain = Providers.discover(ProvisionerFactory.class, loader);
        if (plain.containsKey(id)) {
            return plain.get(id).validate(settings);
        }
        Map<String, VmBackendFactory> backends = Providers.discover(VmBackendFactory.class, loader);
        if (!backends.containsKey(id)) {
            List<String> known = new ArrayList<>(plain.keySet());
            known.addAll(backends.keySet());
            return List.of(new UnknownProviderException("provisioner", id, known.stream().sorted().toList())
                    .getMessage());
        }
        java.util.Set<String> problems = new java.util.LinkedHashSet<>();
        Map<String, String> backendValues = new java.util.LinkedHashMap<>();
        settings.values().forEach((key, value) -> {
            if (!key.startsWith("pool.")) {
                backendValues.put(key, value);
            }
        });
        backendValues.keySet().removeAll(LIFECYCLE_ONLY_KEYS);
        problems.addAll(backends.get(id).validate(new ProviderSettings(settings.prefix(), backendValues)));
        try {
            lifecycle(settings);
        } catch (RuntimeException e) {
            problems.add(e.getMessage());
        }
        return List.copyOf(problems);
    }

    /**
     * Whether {@code id} is a provisioner that lends hosts it does not create (local-docker), which a warm pool
     * ({@code pool.*} settings) cannot apply to; false for a VM backend and for an unknown id.
     */
    public static boolean lendsHostsOnly(String id, ClassLoader loader) {
        return Providers.discover(ProvisionerFactory.class, loader).containsKey(id);
    }

    /** Why {@code [runners.autoscaler]} cannot apply to the provisioner {@code id}. */
    public static String noWarmPool(String id) {
        return "[runners.autoscaler] keeps VMs warm, and provisioner \"" + id + "\" has no VMs (it lends hosts it"
                + " does not create); a warm pool needs a VM provisioner such as clever-cloud, or remove"
                + " [runners.autoscaler]";
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
