package org.cleverrunner.core;

import java.io.UncheckedIOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import org.cleverrunner.spi.CacheStore;
import org.cleverrunner.spi.CacheStoreFactory;
import org.cleverrunner.spi.ProviderSettings;
import org.cleverrunner.spi.RunnerSpiException;

/**
 * {@code local}: job caches in a directory of the runner's host ({@link DirectoryCacheStore}), setting {@code dir}
 * (an absolute path, created with mode 0700 if missing). What gitlab-runner does without a distributed cache.
 */
public final class LocalCacheStoreFactory implements CacheStoreFactory {

    public static final String ID = "local";
    /** The setting naming the directory. */
    public static final String DIRECTORY = "dir";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "job caches in a directory of the runner's host";
    }

    @Override
    public CacheStore create(ProviderSettings settings) {
        String value = settings.require(DIRECTORY);
        Path directory;
        try {
            directory = Path.of(value);
        } catch (InvalidPathException e) {
            throw new RunnerSpiException("the cache directory is not a valid path: '" + value + "'");
        }
        if (!directory.isAbsolute()) {
            throw new RunnerSpiException("the cache directory must be an absolute path, got '" + value + "'");
        }
        try {
            return new DirectoryCacheStore(directory);
        } catch (UncheckedIOException e) {
            throw new RunnerSpiException(e.getMessage() + ": " + e.getCause().getMessage(), e);
        }
    }
}
