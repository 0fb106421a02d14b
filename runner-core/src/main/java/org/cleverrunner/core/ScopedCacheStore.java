package org.cleverrunner.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.cleverrunner.spi.CacheStore;
import org.cleverrunner.spi.CacheUrls;

/**
 * The part of a cache store one job sees: its keys are named as gitlab-runner names cache objects,
 * {@code runner/<short token>/project/<project id>/<key>} ({@code project/<project id>/<key>} when the runner's
 * caches are shared), so that two projects, or two runners, with the same key never see each other's cache. A key
 * with a {@code ..} segment is refused: no store may take it for a way into another project's caches. Closing it
 * leaves the store open (the engine owns it).
 */
final class ScopedCacheStore implements CacheStore {

    private final CacheStore store;
    private final String prefix;

    ScopedCacheStore(CacheStore store, String prefix) {
        this.store = Objects.requireNonNull(store, "store");
        this.prefix = Objects.requireNonNull(prefix, "prefix");
    }

    /** {@code runner/<short token>/project/<id>/}, or {@code project/<id>/} when shared. */
    static String prefix(String shortToken, long projectId, boolean shared) {
        Objects.requireNonNull(shortToken, "shortToken");
        return (shared ? "" : "runner/" + shortToken + "/") + "project/" + projectId + "/";
    }

    /** The name of this key in the store. */
    String name(String key) {
        Objects.requireNonNull(key, "key");
        if (key.isBlank()) {
            throw new IllegalArgumentException("a cache key cannot be blank");
        }
        for (String segment : key.split("/", -1)) {
            if (segment.equals("..")) {
                throw new IllegalArgumentException("cache key '" + key + "' is refused: it has a '..' segment");
            }
        }
        return prefix + key;
    }

    @Override
    public Optional<InputStream> open(String key) throws IOException {
        return store.open(name(key));
    }

    @Override
    public void save(String key, InputStream archive, long length) throws IOException {
        store.save(name(key), archive, length);
    }

    @Override
    public void save(String key, Path archive) throws IOException {
        store.save(name(key), archive);
    }

    @Override
    public Optional<CacheUrls> urls(String key, Duration validity) {
        return store.urls(name(key), validity);
    }

    @Override
    public String toString() {
        return "ScopedCacheStore[" + prefix + " in " + store + "]";
    }
}
