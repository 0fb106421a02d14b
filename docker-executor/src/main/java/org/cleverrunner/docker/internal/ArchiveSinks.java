package org.cleverrunner.docker.internal;

import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.zip.UnixStat;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorOutputStream;

/**
 * Where {@link Archives#archive} writes the entries it selects: a zip (deflated on every core, written in order) or
 * a tar inside zstd; both end with the {@link ArchiveSeal}'s placeholder, which the stream they write to turns into
 * the archive's checksum.
 */
final class ArchiveSinks {

    private ArchiveSinks() {
    }

    /** Takes entries in the order they are to appear in the archive. */
    interface Sink extends Closeable {
        void file(String name, int mode, long size, long modified, InputStream content) throws IOException;

        void link(String name, String target, long modified) throws IOException;
    }

    /** A sink of {@code format} into {@code sealed} (a stream of {@link ArchiveSeal#sealing}), closed with it. */
    static Sink open(OutputStream sealed, Archives.Format format, Archives.CompressionLevel level)
            throws IOException {
        return format == Archives.Format.ZIP
                ? new ZipSink(sealed, level.deflateLevel(), Runtime.getRuntime().availableProcessors())
                : Zstd.tarSink(sealed, level);
    }

    /**
     * A zip whose small files are deflated by a worker per core while the tar is read, then written in the tar's
     * order as raw entries; larger files are deflated as they stream, on this thread. Memory stays bounded: at most
     * {@link #IN_FLIGHT} bytes of small files wait, read or deflated, besides one file per worker.
     */
    static final class ZipSink implements Sink {
        /** Files up to this size are read whole and deflated by a worker. */
        static final int SMALL = 1 << 20;
        static final long IN_FLIGHT = 8L << 20;

        private final ZipArchiveOutputStream zip;
        private final int level;
        private final ExecutorService workers;
        private final BlockingQueue<Deflater> deflaters;
        private final ArrayDeque<Pending> pending = new ArrayDeque<>();
        private long inFlight;

        /** An entry waiting for its turn: its bytes once deflated, or nothing more to wait for (a link). */
        private record Pending(ZipArchiveEntry entry, Future<Deflated> deflated, byte[] link, long bytes) {
        }

        private record Deflated(byte[] bytes, int length, long crc) {
        }

        ZipSink(OutputStream sealed, int level, int threads) {
            this.zip = new ZipArchiveOutputStream(sealed);
            this.level = level;
            zip.setLevel(level);
            // the comment is the zip's last field: the sealing stream turns its digits into the checksum
            zip.setComment(ArchiveSeal.PLACEHOLDER);
            int count = Math.max(1, threads);
            this.deflaters = new ArrayBlockingQueue<>(count);
            this.workers = Executors.newFixedThreadPool(count, runnable -> {
                Thread thread = new Thread(runnable, "cache-deflate");
                thread.setDaemon(true);
                return thread;
            });
        }

        @Override
        public void file(String name, int mode, long size, long modified, InputStream content) throws IOException {
            ZipArchiveEntry entry = new ZipArchiveEntry(name);
            entry.setTime(modified);
            entry.setUnixMode(UnixStat.FILE_FLAG | (mode & 0777));
            // a known size lets a streamed zip use Zip64 for entries of 4 GiB and more
            entry.setSize(size);
            if (size > SMALL) {
                drain();
                zip.putArchiveEntry(entry);
                content.transferTo(zip);
                zip.closeArchiveEntry();
                return;
            }
            byte[] data = content.readNBytes((int) size);
            if (data.length != size) {
                throw new IOException("the project's tar ended inside " + name);
            }
            enqueue(new Pending(entry, CompletableFuture.supplyAsync(() -> deflate(data), workers), null, size));
        }

        @Override
        public void link(String name, String target, long modified) throws IOException {
            byte[] bytes = target.getBytes(StandardCharsets.UTF_8);
            ZipArchiveEntry entry = new ZipArchiveEntry(name);
            entry.setTime(modified);
            entry.setUnixMode(UnixStat.LINK_FLAG | 0777);
            entry.setSize(bytes.length);
            enqueue(new Pending(entry, null, bytes, bytes.length));
        }

        private void enqueue(Pending entry) throws IOException {
            pending.add(entry);
            inFlight += entry.bytes();
            while (inFlight > IN_FLIGHT) {
                writeOldest();
            }
        }

        private void drain() throws IOException {
            while (!pending.isEmpty()) {
                writeOldest();
            }
        }

        private void writeOldest() throws IOException {
            Pending next = pending.poll();
            inFlight -= next.bytes();
            if (next.link() != null) {
                zip.putArchiveEntry(next.entry());
                zip.write(next.link());
                zip.closeArchiveEntry();
                return;
            }
            Deflated deflated;
            try {
                deflated = next.deflated().get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while the cache was compressed");
            } catch (ExecutionException e) {
                throw new IOException("cannot compress " + next.entry().getName() + ": " + e.getCause(),
                        e.getCause());
            }
            ZipArchiveEntry entry = next.entry();
            entry.setMethod(ZipArchiveEntry.DEFLATED);
            entry.setCrc(deflated.crc());
            entry.setCompressedSize(deflated.length());
            zip.addRawArchiveEntry(entry, new ByteArrayInputStream(deflated.bytes(), 0, deflated.length()));
        }

        /** Runs on a worker: one file, whole, as raw deflate (what a zip entry holds), and its CRC. */
        private Deflated deflate(byte[] data) {
            Deflater deflater = deflaters.poll();
            if (deflater == null) {
                deflater = new Deflater(level, true);
            }
            try {
                deflater.setInput(data);
                deflater.finish();
                byte[] out = new byte[Math.max(64, data.length + data.length / 1000 + 64)];
                int length = 0;
                while (!deflater.finished()) {
                    if (length == out.length) {
                        out = Arrays.copyOf(out, out.length * 2);
                    }
                    length += deflater.deflate(out, length, out.length - length);
                }
                CRC32 crc = new CRC32();
                crc.update(data);
                return new Deflated(out, length, crc.getValue());
            } finally {
                deflater.reset();
                if (!deflaters.offer(deflater)) {
                    deflater.end();
                }
            }
        }

        @Override
        public void close() throws IOException {
            try (zip) {
                drain();
            } finally {
                workers.shutdownNow();
                for (Deflater deflater; (deflater = deflaters.poll()) != null; ) {
                    deflater.end();
                }
            }
        }
    }

    private static final class TarSink implements Sink {
        private final TarArchiveOutputStream tar;
        private final OutputStream sealed;

        /** A tar into {@code compressed}, which writes into {@code sealed} without closing it. */
        TarSink(OutputStream compressed, OutputStream sealed) {
            tar = Archives.newTar(compressed);
            this.sealed = sealed;
        }

        @Override
        public void file(String name, int mode, long size, long modified, InputStream content) throws IOException {
            TarArchiveEntry entry = new TarArchiveEntry(name);
            entry.setMode(mode & 0777);
            entry.setSize(size);
            entry.setModTime(modified);
            tar.putArchiveEntry(entry);
            content.transferTo(tar);
            tar.closeArchiveEntry();
        }

        @Override
        public void link(String name, String target, long modified) throws IOException {
            TarArchiveEntry entry = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
            entry.setLinkName(target);
            entry.setMode(0777);
            entry.setModTime(modified);
            tar.putArchiveEntry(entry);
            tar.closeArchiveEntry();
        }

        @Override
        public void close() throws IOException {
            try (sealed) {
                tar.close();
                // after the zstd frame: a skippable one that carries the seal
                sealed.write(ArchiveSeal.skippableFrame());
            }
        }
    }

    /**
     * zstd through commons-compress and zstd-jni, only touched for {@link Archives.Format#TAR_ZSTD} so that the zip
     * paths never load the native library; a library that cannot load is an {@link IOException}, not an error that
     * would escape the callers' handling.
     */
    private static final class Zstd {
        static Sink tarSink(OutputStream sealed, Archives.CompressionLevel level) throws IOException {
            try {
                // the content checksum lets a restore tell a damaged archive from a good one
                return new TarSink(new ZstdCompressorOutputStream(Pipes.nonClosing(sealed), level.zstdLevel(), false,
                        true), sealed);
            } catch (LinkageError e) {
                throw new IOException("zstd is not available here: " + e, e);
            }
        }
    }
}
