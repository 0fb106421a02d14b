package org.cleverrunner.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.zip.CRC32;
import org.cleverrunner.coordinator.TraceBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A job's trace (already masked and capped) copied to a file beside the journal as it is produced, so that after a
 * crash the next run still has every byte: it re-sends what the coordinator lacks and reports the final state
 * with the right checksum and size. {@code <journal dir>/traces/<job id>-<runner>.trace}, mode 0600 in a 0700
 * directory, deleted once the job's final state is delivered or refused.
 *
 * <p>Written before the bytes reach the uploader's buffer, so the file always holds at least what the coordinator
 * has. A write that fails is logged once and the job goes on without a spool: the job matters more than its
 * recovery.
 */
final class TraceSpool implements TraceSink, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TraceSpool.class);
    static final String DIRECTORY = "traces";

    private final Path file;
    private final String relativeName;
    private FileChannel channel;

    private TraceSpool(Path file, String relativeName, FileChannel channel) {
        this.file = file;
        this.relativeName = relativeName;
        this.channel = channel;
    }

    /** No spool (a journal kept in memory only). */
    static TraceSpool none() {
        return new TraceSpool(null, null, null);
    }

    /** The spool's name relative to the journal's directory, as the journal records it. */
    static String relativeName(String runner, long jobId) {
        String safe = runner.replaceAll("[^A-Za-z0-9._-]", "_");
        if (safe.length() > 40) {
            safe = safe.substring(0, 40);
        }
        return DIRECTORY + "/" + jobId + "-" + safe + ".trace";
    }

    /** Where a journal's spool of that name lives. */
    static Path resolve(Path journalFile, String relativeName) {
        return journalFile.toAbsolutePath().getParent().resolve(relativeName);
    }

    /**
     * A new, empty spool for a job of a journal kept in {@code journalFile}; {@link #none()} when the journal is
     * in memory, or when the file cannot be created (logged).
     */
    static TraceSpool create(Path journalFile, String runner, long jobId) {
        if (journalFile == null) {
            return none();
        }
        String name = relativeName(runner, jobId);
        Path file = resolve(journalFile, name);
        try {
            Path directory = file.getParent();
            if (!Files.isDirectory(directory)) {
                try {
                    Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(
                            PosixFilePermissions.fromString("rwx------")));
                } catch (UnsupportedOperationException e) {
                    Files.createDirectories(directory);
                }
            }
            Files.deleteIfExists(file);
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException | FileAlreadyExistsException e) {
                Files.writeString(file, "");
            }
            return new TraceSpool(file, name, FileChannel.open(file, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND));
        } catch (IOException e) {
            LOG.warn("job {}: its trace cannot be spooled to {} ({}): a crash would lose its final state's trace",
                    jobId, file, e.toString());
            return none();
        }
    }

    /** The name to journal, or null when no spool is kept. */
    String name() {
        return file == null ? null : relativeName;
    }

    @Override
    public synchronized void append(byte[] bytes, int from, int length) {
        if (channel == null) {
            return;
        }
        try {
            ByteBuffer buffer = ByteBuffer.wrap(bytes, from, length);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        } catch (IOException e) {
            LOG.warn("the trace spool {} cannot be written ({}): going on without it", file, e.toString());
            closeQuietly();
        }
    }

    /** Puts what was written on disk, before the final state that counts these bytes is journaled. */
    synchronized void force() {
        if (channel == null) {
            return;
        }
        try {
            channel.force(false);
        } catch (IOException e) {
            LOG.warn("the trace spool {} cannot be synced: {}", file, e.toString());
        }
    }

    @Override
    public synchronized void close() {
        closeQuietly();
    }

    /** Closes and removes the file: the final state it backs is settled. */
    synchronized void delete() {
        closeQuietly();
        if (file != null) {
            deleteQuietly(file);
        }
    }

    private void closeQuietly() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing more can be written to it anyway
            }
            channel = null;
        }
    }

    // ------------------------------------------------------------------ for the recovery of a crashed run

    static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warn("the trace spool {} cannot be removed: {}", file, e.toString());
        }
    }

    /**
     * Appends {@code line} to a spool file unless it already ends with it (a crash during an earlier recovery), and
     * syncs it. Creates the file (0600) when missing.
     */
    static void appendOnce(Path file, byte[] line) {
        try {
            if (Files.exists(file)) {
                long size = Files.size(file);
                if (size >= line.length) {
                    byte[] tail = new byte[line.length];
                    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
                        in.read(ByteBuffer.wrap(tail), size - line.length);
                    }
                    if (Arrays.equals(tail, line)) {
                        return;
                    }
                }
            } else {
                Files.createDirectories(file.getParent());
                try {
                    Files.createFile(file, PosixFilePermissions.asFileAttribute(
                            PosixFilePermissions.fromString("rw-------")));
                } catch (UnsupportedOperationException e) {
                    Files.writeString(file, "");
                }
            }
            try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                ByteBuffer buffer = ByteBuffer.wrap(line);
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
                out.force(false);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("the trace spool " + file + " cannot be written: " + e.getMessage(), e);
        }
    }

    /**
     * The spool's first {@code limit} bytes (all of it when negative) in a buffer the uploader can send, or null when
     * the file is missing.
     */
    static TraceBuffer load(Path file, long limit) {
        if (file == null || !Files.exists(file)) {
            return null;
        }
        TraceBuffer buffer = new TraceBuffer();
        byte[] chunk = new byte[64 * 1024];
        long left = limit < 0 ? Long.MAX_VALUE : limit;
        try (var in = Files.newInputStream(file)) {
            int n;
            while (left > 0 && (n = in.read(chunk, 0, (int) Math.min(chunk.length, left))) > 0) {
                buffer.append(chunk, 0, n);
                left -= n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("the trace spool " + file + " cannot be read: " + e.getMessage(), e);
        }
        return buffer;
    }

    /** {@code crc32:%08x} and size of a whole file, as the final update reports them. */
    static Summary summary(Path file) {
        CRC32 crc = new CRC32();
        long size = 0;
        byte[] chunk = new byte[64 * 1024];
        try (var in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(chunk)) > 0) {
                crc.update(chunk, 0, n);
                size += n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("the trace spool " + file + " cannot be read: " + e.getMessage(), e);
        }
        return new Summary(String.format("crc32:%08x", crc.getValue()), size);
    }

    /** A trace's checksum and size. */
    record Summary(String checksum, long bytesize) {
    }
}
