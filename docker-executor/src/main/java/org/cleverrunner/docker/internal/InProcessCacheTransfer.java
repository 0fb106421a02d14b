package org.cleverrunner.docker.internal;

import static org.cleverrunner.docker.internal.Messages.oneLine;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;
import org.cleverrunner.docker.internal.CacheTransferProtocol.Event;
import org.cleverrunner.docker.internal.CacheTransferProtocol.Outcome;
import org.cleverrunner.spi.CacheStore;

/**
 * The archive moves through the runner: the store is read or written here, and the files go to or come from the
 * volume through the Docker API. Used on a local engine, and wherever the store has no URLs for the host.
 */
final class InProcessCacheTransfer implements CacheTransfer {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(InProcessCacheTransfer.class);

    private final CacheStore store;
    private final BuildVolume volume;
    private final BuildPaths paths;

    InProcessCacheTransfer(CacheStore store, BuildVolume volume, BuildPaths paths) {
        this.store = store;
        this.volume = volume;
        this.paths = paths;
    }

    @Override
    public Event restore(String key, LongConsumer progress) throws InterruptedException {
        long started = System.nanoTime();
        Path spool = null;
        try {
            var archive = store.open(key);
            if (archive.isEmpty()) {
                return Event.done(Outcome.MISSING, 0, 0, millis(started), null);
            }
            spool = Files.createTempFile("clever-runner-cache", ".zip");
            try (InputStream zip = new Progress(archive.get(), progress)) {
                Files.copy(zip, spool, StandardCopyOption.REPLACE_EXISTING);
            }
            LOG.debug("cache {} downloaded: {} ms", key, millis(started));
            Path downloaded = spool;
            AtomicReference<Archives.Summary> extracted = new AtomicReference<>();
            volume.upload(paths.parentDir(), out -> extracted.set(Archives.extract(downloaded, out,
                    paths.leafName())));
            return Event.done(Outcome.RESTORED, Files.size(spool), extracted.get(), millis(started));
        } catch (IOException | RuntimeException e) {
            return Event.done(Outcome.FAILED, 0, 0, millis(started), oneLine(e));
        } finally {
            Closing.delete(spool);
        }
    }

    @Override
    public Event save(String key, Archives.Selection selection, Archives.Format format,
            Archives.CompressionLevel level, LongConsumer progress) {
        long started = System.nanoTime();
        Path zip = null;
        try {
            zip = Files.createTempFile("clever-runner-cache", ".archive");
            Archives.Summary summary = volume.archiveProject(zip, selection, format, level);
            long size = Files.size(zip);
            if (summary.entries() == 0) {
                return Event.done(Outcome.EMPTY, size, summary, millis(started));
            }
            progress.accept(size);
            store.save(key, zip);
            return Event.done(Outcome.SAVED, size, summary, millis(started));
        } catch (IOException | RuntimeException e) {
            return Event.done(Outcome.FAILED, 0, 0, millis(started), oneLine(e));
        } finally {
            Closing.delete(zip);
        }
    }

    private static long millis(long startedNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
    }

    /** Reports the bytes read so far. */
    private static final class Progress extends FilterInputStream {
        private final LongConsumer progress;
        private long read;

        Progress(InputStream in, LongConsumer progress) {
            super(in);
            this.progress = progress;
        }

        @Override
        public int read(byte[] bytes, int off, int len) throws IOException {
            int n = super.read(bytes, off, len);
            if (n > 0) {
                read += n;
                progress.accept(read);
            }
            return n;
        }
    }
}
