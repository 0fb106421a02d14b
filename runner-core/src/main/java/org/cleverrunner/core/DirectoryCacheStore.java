package org.cleverrunner.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import java.util.Optional;
import org.cleverrunner.spi.CacheStore;

/**
 * A {@link CacheStore} keeping each archive in a file under a root directory, laid out as gitlab-runner lays out its
 * local caches: each {@code /}-separated segment of the key is a directory and the archive is {@code cache.zip} in
 * the last one, so the engine's {@code runner/<short token>/project/42/build/main-non_protected} is
 * {@code <root>/runner/<short token>/project/42/build/main-non_protected/cache.zip}. The store for {@code run}
 * (the {@code local} cache store) and for {@code exec}.
 *
 * <p>Each segment is a file name that cannot leave its parent: bytes other than letters, digits, {@code -},
 * {@code _} and {@code .} are percent-encoded (UTF-8), and so are a leading {@code .} (so {@code ..} is
 * {@code %2E.}: a name, never a way up) and the {@code .} of a segment named {@code cache.zip}; an empty segment
 * is {@code %}. The encoding is one-to-one, directories never start with a dot nor are named {@code cache.zip}, so
 * no key's directory is another key's archive or temporary file.
 *
 * <p>Saves write a temporary file beside the archive, flush it to the disk and rename it over the archive: a
 * reader sees the old archive or the new one, never part of one, and two jobs saving one key at once leave one of
 * their archives whole. Directories this store creates are the owner's only (0700): caches can hold secrets.
 */
public final class DirectoryCacheStore implements CacheStore {

    /** The archive's file name in its key's directory, as in gitlab-runner's local cache. */
    public static final String ARCHIVE = "cache.zip";
    private static final String PARTIAL = ".part";
    /** Most file systems cap a name at 255 bytes. */
    private static final int MAX_NAME = 255;
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private final Path root;

    /** A store in this directory, created (mode 0700) if missing. */
    public DirectoryCacheStore(Path root) {
        this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
        try {
            createDirectories(this.root);
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
        return directory(key).resolve(ARCHIVE);
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
        Path directory = directory(key);
        createDirectories(directory);
        Path file = directory.resolve(ARCHIVE);
        // in the archive's own directory, so that the rename stays on one file system; starts with a dot, as no
        // key's directory does
        Path partial = Files.createTempFile(directory, "." + ARCHIVE + ".", PARTIAL);
        try {
            long copied;
            try (FileChannel channel = FileChannel.open(partial, StandardOpenOption.WRITE);
                    OutputStream out = Channels.newOutputStream(channel)) {
                copied = archive.transferTo(out);
                if (length >= 0 && copied != length) {
                    throw new IOException("cache archive for '" + key + "' has " + copied + " bytes, expected "
                            + length);
                }
                channel.force(true); // the rename must never publish a file whose bytes a crash can still lose
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

    /** The directory of a key's archive, inside the root whatever the key. */
    Path directory(String key) {
        Objects.requireNonNull(key, "key");
        if (key.isBlank()) {
            throw new IllegalArgumentException("a cache key cannot be blank");
        }
        Path directory = root;
        for (String segment : key.split("/", -1)) {
            directory = directory.resolve(segment(segment, key));
        }
        // the encoding makes this impossible; checked anyway because escaping the root would be a security bug
        if (!directory.normalize().equals(directory) || !directory.startsWith(root) || directory.equals(root)) {
            throw new IllegalArgumentException("cache key '" + key + "' names a file outside " + root);
        }
        return directory;
    }

    /** One segment of a key as a directory name (see the class comment). */
    static String segment(String segment, String key) {
        if (segment.isEmpty()) {
            return "%";
        }
        byte[] bytes = segment.getBytes(StandardCharsets.UTF_8);
        StringBuilder name = new StringBuilder(bytes.length + 8);
        for (int i = 0; i < bytes.length; i++) {
            int c = bytes[i] & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || (c == '.' && i > 0)) {
                name.append((char) c);
            } else {
                name.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        String encoded = name.toString();
        if (encoded.equals(ARCHIVE)) {
            encoded = "cache%2Ezip";
        }
        if (encoded.length() > MAX_NAME) {
            throw new IllegalArgumentException("cache key has a segment too long for a file name ("
                    + encoded.length() + " > " + MAX_NAME + " once encoded): " + key);
        }
        return encoded;
    }

    private static void createDirectories(Path directory) throws IOException {
        if (POSIX) {
            FileAttribute<?> ownerOnly = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                    "rwx------"));
            Files.createDirectories(directory, ownerOnly);
        } else {
            Files.createDirectories(directory);
        }
    }

    @Override
    public String toString() {
        return "DirectoryCacheStore[" + root + "]";
    }
}
