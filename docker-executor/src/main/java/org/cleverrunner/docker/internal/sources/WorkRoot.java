package org.cleverrunner.docker.internal.sources;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runner host's directory of sources: the reusable working copies (one per runner and project, each a direct
 * child, with a {@code <name>.lock} file beside it) and {@code spool/}, where each process keeps its jobs' snapshots
 * and per-job working copies in a directory of its own ({@code spool/<pid>-<start>}).
 *
 * <p>A working copy is used only while held: a lock per copy shared by everything in this JVM, plus a file lock for
 * other processes on the same root. Beyond {@code maxCopies}, the least recently used copies that nobody holds are
 * removed. Lock files are kept (they are empty): deleting one could let two holders lock two different files.
 */
final class WorkRoot {

    static final String SPOOL = "spool";
    private static final Logger LOG = LoggerFactory.getLogger(WorkRoot.class);
    // per JVM, not per instance: several executors on one root must exclude each other too
    private static final ConcurrentHashMap<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();

    private final Path root;
    private final int maxCopies;
    private final Path spool;

    WorkRoot(Path root, int maxCopies) {
        if (maxCopies < 1) {
            throw new IllegalArgumentException("maxCopies must be at least 1, got " + maxCopies);
        }
        this.root = root.toAbsolutePath().normalize();
        this.maxCopies = maxCopies;
        ProcessHandle self = ProcessHandle.current();
        this.spool = this.root.resolve(SPOOL).resolve(spoolName(self.pid(),
                self.info().startInstant().orElse(Instant.EPOCH)));
    }

    Path root() {
        return root;
    }

    /** This process's spool directory, created on demand. */
    Path spool() {
        try {
            return Files.createDirectories(spool);
        } catch (IOException e) {
            throw new SourceFetchException("get_sources failed: cannot create the spool directory " + spool + ": "
                    + e.getMessage(), e);
        }
    }

    /** Removes the spool directories of processes that are gone (a crash, a kill -9): their jobs are over. */
    void removeDeadSpools() {
        Path spools = root.resolve(SPOOL);
        if (!Files.isDirectory(spools, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(spools)) {
            for (Path entry : entries) {
                if (!entry.equals(spool) && !alive(entry.getFileName().toString())) {
                    LOG.info("removing the spool of a runner process that is gone: {}", entry);
                    Directories.delete(entry);
                }
            }
        } catch (IOException | SourceFetchException e) {
            LOG.warn("cannot clean the spool directories under {}: {}", spools, e.toString());
        }
    }

    /** Takes a working copy for this thread, waiting for whoever holds it; close the result to release it. */
    Held hold(Path copy) throws InterruptedException {
        ReentrantLock lock = LOCKS.computeIfAbsent(copy, c -> new ReentrantLock());
        lock.lockInterruptibly();
        try {
            FileChannel channel = FileChannel.open(lockFile(copy), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            try {
                return new Held(copy, lock, channel, channel.lock());
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        } catch (IOException e) {
            lock.unlock();
            throw new SourceFetchException("get_sources failed: cannot lock the working copy " + copy + ": "
                    + e.getMessage(), e);
        } catch (RuntimeException e) {
            lock.unlock();
            throw e;
        }
    }

    /** The same as {@link #hold}, but only if nobody holds the copy now. */
    Optional<Held> tryHold(Path copy) {
        ReentrantLock lock = LOCKS.computeIfAbsent(copy, c -> new ReentrantLock());
        if (lock.isHeldByCurrentThread() || !lock.tryLock()) {
            return Optional.empty();
        }
        FileChannel channel = null;
        try {
            channel = FileChannel.open(lockFile(copy), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock fileLock = channel.tryLock();
            if (fileLock != null) {
                return Optional.of(new Held(copy, lock, channel, fileLock));
            }
        } catch (IOException | OverlappingFileLockException e) {
            LOG.debug("cannot try the lock of {}: {}", copy, e.toString());
        }
        closeQuietly(channel);
        lock.unlock();
        return Optional.empty();
    }

    /**
     * Removes the least recently used working copies beyond the bound, skipping those held now (they are removed by
     * a later call once released). Returns how many were removed.
     */
    int evict() {
        List<Path> copies = workingCopies();
        int excess = copies.size() - maxCopies;
        int removed = 0;
        for (Path copy : copies) {
            if (removed >= excess) {
                break;
            }
            Optional<Held> held = tryHold(copy);
            if (held.isEmpty()) {
                continue;
            }
            try (Held mine = held.get()) {
                if (Files.isDirectory(copy, LinkOption.NOFOLLOW_LINKS)) {
                    LOG.info("removing the least recently used working copy {} (more than {})", copy, maxCopies);
                    Directories.delete(copy);
                    removed++;
                }
            } catch (SourceFetchException e) {
                LOG.warn("cannot remove the working copy {}: {}", copy, e.getMessage());
            }
        }
        return removed;
    }

    /** The reusable working copies, least recently used first. */
    List<Path> workingCopies() {
        List<Path> copies = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return copies;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
            for (Path entry : entries) {
                if (!entry.getFileName().toString().equals(SPOOL)
                        && Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                    copies.add(entry);
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot list the working copies under {}: {}", root, e.toString());
        }
        copies.sort(Comparator.comparing(WorkRoot::lastUse));
        return copies;
    }

    private static FileTime lastUse(Path copy) {
        try {
            return Files.getLastModifiedTime(copy, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    private static Path lockFile(Path copy) {
        return copy.resolveSibling(copy.getFileName() + ".lock");
    }

    static String spoolName(long pid, Instant start) {
        return pid + "-" + start.toEpochMilli();
    }

    /** A spool name {@code <pid>-<start millis>} of a process still running (a reused pid has another start). */
    private static boolean alive(String name) {
        int dash = name.indexOf('-');
        if (dash < 0) {
            return false;
        }
        try {
            long pid = Long.parseLong(name.substring(0, dash));
            long start = Long.parseLong(name.substring(dash + 1));
            return ProcessHandle.of(pid).flatMap(p -> p.info().startInstant())
                    .map(s -> s.toEpochMilli() == start).orElse(false);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing releases the file lock anyway
            }
        }
    }

    /** A working copy held by this thread; closing marks its last use and releases it. */
    final class Held implements AutoCloseable {
        private final Path copy;
        private final ReentrantLock lock;
        private final FileChannel channel;
        private final FileLock fileLock;

        private Held(Path copy, ReentrantLock lock, FileChannel channel, FileLock fileLock) {
            this.copy = copy;
            this.lock = lock;
            this.channel = channel;
            this.fileLock = fileLock;
        }

        Path copy() {
            return copy;
        }

        @Override
        public void close() {
            try {
                if (Files.isDirectory(copy, LinkOption.NOFOLLOW_LINKS)) {
                    Files.setLastModifiedTime(copy, FileTime.from(Instant.now()));
                }
            } catch (IOException e) {
                LOG.debug("cannot mark the last use of {}: {}", copy, e.toString());
            }
            try {
                fileLock.release();
            } catch (IOException ignored) {
                // closing the channel releases it too
            }
            closeQuietly(channel);
            lock.unlock();
        }
    }
}
