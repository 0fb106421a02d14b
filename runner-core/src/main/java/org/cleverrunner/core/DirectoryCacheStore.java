package org.cleverrunner.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;
import java.util.Optional;
import org.cleverrunner.spi.CacheStore;

/**
 * A {@link CacheStore} keeping each archive in one file under a root directory: a test double for executors and
 * the engine, and a cache for a single machine ({@code exec} on a laptop). A key becomes one flat file name,
 * percent-encoded ({@code group/project/main-non_protected} is {@code group%2Fproject%2Fmain-non_protected.cache}),
 * so no key can name a path outside the root and keys never collide with one another's directories. Saves write a
 * temporary file and move it into place, so a reader sees the old archive or the new one, never half of one.
 */
public final class DirectoryCacheStore implements CacheStore {

    private static final String SUFFIX = ".cache";
    private static final String PARTIAL = ".part";
    /** Most file systems cap a name at 255 bytes. */
    private static final int MAX_NAME = 255;

    private final Path root;

    /** A store in this directory, created if missing. */
    public DirectoryCacheStore(Path root) {
        this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
        try {
            Files.createDirectories(this.root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the cache directory " + this.root, e);
        }
    }

    /** The directory the archives are in. */
    public Path root() {
        return root;
    }

    /** The file that holds the archive of this key (it may not exist). */
    public Path file(String key) {
        Path file = root.resolve(fileName(key)).normalize();
        // the encoding makes this impossible; checked anyway because escaping the root would be a security bug
        if (!root.equals(file.getParent())) {
            throw new IllegalArgumentException("cache key '" + key + "' names a file outside " + root);
        }
        return file;
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
        Objects.requireNonNull(archive, "archive");
        Path file = file(key);
        Path partial = Files.createTempFile(root, ".", PARTIAL);
        try {
            long copied;
            try (OutputStream out = Files.newOutputStream(partial)) {
                copied = archive.transferTo(out);
            }
            if (length >= 0 && copied != length) {
                throw new IOException("cache archive for '" + key + "' has " + copied + " bytes, expected " + length);
            }
            try {
                Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    /** Keeps letters, digits, {@code -}, {@code _} and {@code .}; percent-encodes every other UTF-8 byte. */
    static String fileName(String key) {
        Objects.requireNonNull(key, "key");
        if (key.isBlank()) {
            throw new IllegalArgumentException("a cache key cannot be blank");
        }
        StringBuilder name = new StringBuilder(key.length() + SUFFIX.length());
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.') {
                name.append((char) c);
            } else {
                name.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        name.append(SUFFIX);
        if (name.length() > MAX_NAME) {
            throw new IllegalArgumentException("cache key too long for a file name (" + name.length() + " > "
                    + MAX_NAME + " once encoded): " + key);
        }
        return name.toString();
    }

    @Override
    public String toString() {
        return "DirectoryCacheStore[" + root + "]";
    }
}
