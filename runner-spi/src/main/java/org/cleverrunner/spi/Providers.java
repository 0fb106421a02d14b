package org.cleverrunner.spi;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds providers with {@link ServiceLoader}, by id. An explicit instance wins over discovery; an unknown id fails
 * listing the ids available; two providers with one id fail instead of one silently winning. Nothing is cached
 * process-wide: each call loads afresh from the given class loader.
 */
public final class Providers {

    private static final Logger LOG = LoggerFactory.getLogger(Providers.class);

    private Providers() {
    }

    /** Every provider of this type visible from the class loader, by id. */
    public static <P extends Provider> Map<String, P> discover(Class<P> type, ClassLoader classLoader) {
        Objects.requireNonNull(type, "type");
        Map<String, P> byId = new TreeMap<>();
        Map<String, List<String>> classesById = new TreeMap<>();
        try {
            for (P provider : ServiceLoader.load(type, classLoader)) {
                String id = Objects.requireNonNull(provider.id(), () -> provider.getClass() + " has a null id");
                classesById.computeIfAbsent(id, k -> new ArrayList<>()).add(provider.getClass().getName());
                byId.putIfAbsent(id, provider);
            }
        } catch (ServiceConfigurationError e) {
            throw new RunnerSpiException("cannot load the " + kind(type) + "s: " + e.getMessage(), e);
        }
        classesById.forEach((id, classes) -> {
            if (classes.size() > 1) {
                throw new DuplicateProviderException(kind(type), id, classes);
            }
        });
        return byId;
    }

    public static <P extends Provider> Map<String, P> discover(Class<P> type) {
        return discover(type, Thread.currentThread().getContextClassLoader());
    }

    /** The provider with this id. */
    public static <P extends Provider> P find(Class<P> type, String id, ClassLoader classLoader) {
        Objects.requireNonNull(id, "id");
        Map<String, P> available = discover(type, classLoader);
        P provider = available.get(id);
        if (provider == null) {
            throw new UnknownProviderException(kind(type), id, List.copyOf(available.keySet()));
        }
        LOG.info("using {} '{}' ({})", kind(type), id, provider.getClass().getName());
        return provider;
    }

    public static <P extends Provider> P find(Class<P> type, String id) {
        return find(type, id, Thread.currentThread().getContextClassLoader());
    }

    /**
     * The provider to use: {@code explicit} when given (configured in code), else the one named {@code configuredId},
     * else the one named {@code defaultId}.
     */
    public static <P extends Provider> P select(Class<P> type, P explicit, String configuredId, String defaultId,
            ClassLoader classLoader) {
        if (explicit != null) {
            LOG.info("using {} '{}' given in code ({})", kind(type), explicit.id(), explicit.getClass().getName());
            return explicit;
        }
        String id = configuredId != null && !configuredId.isBlank() ? configuredId : defaultId;
        if (id == null) {
            throw new RunnerSpiException("no " + kind(type) + " configured and no default");
        }
        return find(type, id, classLoader);
    }

    /** "provisioner" for ProvisionerFactory, "cache store" for CacheStoreFactory. */
    static String kind(Class<?> type) {
        String name = type.getSimpleName().replaceFirst("Factory$", "").replaceFirst("Provider$", "");
        return name.replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase(java.util.Locale.ROOT);
    }
}
