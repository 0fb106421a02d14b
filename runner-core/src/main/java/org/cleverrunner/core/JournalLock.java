package org.cleverrunner.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One owner of a runner's state: an exclusive OS lock ({@link FileChannel#tryLock()}) on {@code <journal>.lock},
 * held by the {@code run} that owns the journal for its whole life, with that process's pid written in the file so
 * that whoever is refused can name it. The OS drops the lock when its process dies, so a lock file left by a
 * killed run never blocks.
 */
public final class JournalLock implements AutoCloseable {

    /**
     * Locks held in this JVM, by lock file: POSIX locks are per process, and closing any channel on a locked file
     * would drop the lock, so a second attempt from the same process is answered here without opening the file.
     */
    private static final Set<Path> HELD_HERE = ConcurrentHashMap.newKeySet();

    /** What an attempt to take the lock gave. */
    public sealed interface Attempt permits Acquired, Held {
    }

    /** The lock is ours until {@link JournalLock#close()}. */
    public record Acquired(JournalLock lock) implements Attempt {
    }

    /** A live process holds it: its pid when the lock file names one. */
    public record Held(Path lockFile, OptionalLong pid) implements Attempt {
        /** "pid 1234" or "an unknown process". */
        public String holder() {
            return pid.isPresent() ? "pid " + pid.getAsLong() : "an unknown process";
        }
    }

    private final Path lockFile;
    private final FileChannel channel;
    private final FileLock lock;

    private JournalLock(Path lockFile, FileChannel channel, FileLock lock) {
        this.lockFile = lockFile;
        this.channel = channel;
        this.lock = lock;
    }

    /** The lock file of a journal: {@code <journal>.lock} beside it. */
    public static Path lockFile(Path journalFile) {
        Path absolute = journalFile.toAbsolutePath().normalize();
        return absolute.resolveSibling(absolute.getFileName() + ".lock");
    }

    /** Tries once, without waiting. Fails only when the lock file cannot be created or read. */
    public static Attempt tryAcquire(Path journalFile) {
        Objects.requireNonNull(journalFile, "journalFile");
        Path file = lockFile(journalFile);
        long self = ProcessHandle.current().pid();
        if (!HELD_HERE.add(file)) {
            return new Held(file, OptionalLong.of(self));
        }
        FileChannel channel = null;
        try {
            Files.createDirectories(file.getParent());
            if (!Files.exists(file)) {
                try {
                    Files.createFile(file, PosixFilePermissions.asFileAttribute(
                            PosixFilePermissions.fromString("rw-------")));
                } catch (java.nio.file.FileAlreadyExistsException | UnsupportedOperationException e) {
                    // created by another process meanwhile, or a file system without POSIX modes
                }
            }
            channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                OptionalLong pid = readPid(channel);
                channel.close();
                HELD_HERE.remove(file);
                return new Held(file, pid);
            }
            // the file may hold a dead run's pid: ours replaces it
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((self + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
            channel.force(false);
            return new Acquired(new JournalLock(file, channel, lock));
        } catch (IOException e) {
            HELD_HERE.remove(file);
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // already failing
                }
            }
            throw new UncheckedIOException("the lock file " + file + " cannot be used: " + e.getMessage(), e);
        }
    }

    private static OptionalLong readPid(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(64);
        channel.read(buffer, 0);
        String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).trim();
        try {
            return text.isEmpty() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(text));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    public Path file() {
        return lockFile;
    }

    /** Releases the lock; the file stays (removing it would race with a process about to lock it). */
    @Override
    public void close() {
        try {
            if (lock.isValid()) {
                lock.release();
            }
            channel.close();
        } catch (IOException ignored) {
            // the lock goes with the channel, or with the process
        } finally {
            HELD_HERE.remove(lockFile);
        }
    }

    /** Thrown by {@link Engine#start()} when another live process owns the journal. */
    public static final class HeldException extends IllegalStateException {
        private final Held held;

        public HeldException(Path journalFile, Held held) {
            super("another clever-runner (" + held.holder() + ") is running with the journal " + journalFile
                    + " (lock " + held.lockFile() + "): stop it first; two runs on one journal would fail each"
                    + " other's jobs");
            this.held = held;
        }

        public Held held() {
            return held;
        }
    }
}
