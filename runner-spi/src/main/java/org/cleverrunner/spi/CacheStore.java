package org.cleverrunner.spi;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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

    /**
     * Stores the archive file under this key. A store that must read the archive more than once (an upload retried,
     * a payload hash) overrides it to read the file again rather than keep the archive in memory.
     */
    default void save(String key, Path archive) throws IOException {
        try (InputStream in = Files.newInputStream(archive)) {
            save(key, in, Files.size(archive));
        }
    }

    /**
     * URLs through which a job's host can move this key's archive itself, valid for {@code validity}; empty when
     * the store has none (a directory on the runner host), and the runner moves the archive.
     */
    default Optional<CacheUrls> urls(String key, Duration validity) {
        return Optional.empty();
    }

    @Override
    default void close() {
    }
}
