package org.cleverrunner.core;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import org.cleverrunner.spi.ProviderSettings;

/**
 * Where a runner's job caches are kept: the id of a {@link org.cleverrunner.spi.CacheStoreFactory} with its
 * settings, or none. Whatever the store, the engine names each cache as gitlab-runner does,
 * {@code runner/<short token>/project/<project id>/<key>}, without the {@code runner/…} part when {@code shared}
 * (GitLab's {@code [runners.cache] Shared = true}: every runner using the store sees the same caches).
 *
 * @param store the cache store's id ({@code local}…), or null for none (every restore misses, saves are dropped)
 * @param shared whether the caches are shared between runners
 * @param settings the store's own settings
 */
public record CacheSettings(String store, boolean shared, ProviderSettings settings) {

    public CacheSettings {
        store = store == null || store.isBlank() ? null : store;
        settings = settings == null ? ProviderSettings.empty() : settings;
    }

    /** No cache store (unless the engine is given one in code). */
    public static CacheSettings none() {
        return new CacheSettings(null, false, null);
    }

    /** The {@code local} store: a directory of this host. */
    public static CacheSettings local(Path directory, boolean shared) {
        Objects.requireNonNull(directory, "directory");
        return new CacheSettings(LocalCacheStoreFactory.ID, shared, new ProviderSettings("cache",
                Map.of(LocalCacheStoreFactory.DIRECTORY, directory.toString())));
    }

    /** True when a store is named. */
    public boolean enabled() {
        return store != null;
    }
}
