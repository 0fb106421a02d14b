package org.cleverrunner.cli.exec;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import org.cleverrunner.spi.CacheStore;

/**
 * Caches as zip files in a directory, one per key, so they survive between exec runs like a runner's local cache.
 * Keys are URL-encoded into file names (a key may hold '/' or '..'); saves go through a temporary file and an
 * atomic rename so a run interrupted mid-save never leaves half an archive.
 */
public final class DirectoryCacheStore implements CacheStore {

    private final Path dir;

    public DirectoryCacheStore(Path dir) {
        this.dir = dir;
    }

    @Override
    public Optional<InputStream> open(String key) throws IOException {
        try {
            return Optional.of(Files.newInputStream(file(key)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public void save(String key, InputStream archive, long length) throws IOException {
        Files.createDirectories(dir);
        Path temporary = Files.createTempFile(dir, ".saving-", ".zip");
        try {
            Files.copy(archive, temporary, StandardCopyOption.REPLACE_EXISTING);
            Files.move(temporary, file(key), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    Path file(String key) {
        return dir.resolve(URLEncoder.encode(key, StandardCharsets.UTF_8).replace("*", "%2A") + ".zip");
    }
}
