package org.cleverrunner.docker.internal;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;

/**
 * Streams between a writer and a reader that both want to drive (a tar written while the Engine reads it), and a
 * stream that counts what crosses it; shared by the executor and the gateway.
 */
public final class Pipes {

    private Pipes() {
    }

    /** Writes a stream; the stream is closed by the caller. */
    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    /** Reads a stream to its end, or gives up. */
    @FunctionalInterface
    public interface Reader {
        void read(InputStream in) throws IOException;
    }

    /**
     * Runs {@code writer} on a thread of its own into a pipe that {@code reader} drains on this one; a failure on
     * either side ends both and is rethrown here, as it was thrown when it is an IOException.
     */
    public static void piped(String threadName, Writer writer, Reader reader) throws IOException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (PipedInputStream in = new PipedInputStream(64 * 1024)) {
            PipedOutputStream out = new PipedOutputStream(in);
            Thread producer = new Thread(() -> {
                try (out) {
                    writer.write(out);
                } catch (IOException | RuntimeException e) {
                    failure.set(e);
                }
            }, threadName);
            producer.setDaemon(true);
            producer.start();
            try {
                reader.read(in);
            } finally {
                in.close(); // a reader that gave up unblocks the writer
                try {
                    producer.join(TimeUnit.SECONDS.toMillis(30));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        Throwable cause = failure.get();
        if (cause != null) {
            throw cause instanceof IOException io ? io : new IOException(Messages.oneLine(cause), cause);
        }
    }

    /** {@code in}, reporting each count of bytes read to {@code counter}. */
    public static InputStream counting(InputStream in, LongConsumer counter) {
        return new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) {
                    counter.accept(1);
                }
                return b;
            }

            @Override
            public int read(byte[] bytes, int off, int len) throws IOException {
                int n = super.read(bytes, off, len);
                if (n > 0) {
                    counter.accept(n);
                }
                return n;
            }
        };
    }
}
