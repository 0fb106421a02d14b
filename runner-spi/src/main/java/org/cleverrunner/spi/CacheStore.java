package org.cleverrunner.spi;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * Where job caches live between jobs, by key (GitLab's cache key, already suffixed by Rails). Archives are
 * streamed both ways so a large cache never sits in memory. Thread-safe.
 */
public interface CacheStore extends AutoCloseable {

    /** The archive stored under this key, if any; the caller closes the stream. */
    Optional<InputStream> open(String key) throws IOException;

    /** Stores the archive under this key, replacing any previous one; {@code length} is -1 when unknown. */
    void save(String key, InputStream archive, long length) throws IOException;

    @Override
    default void close() {
    }
}
