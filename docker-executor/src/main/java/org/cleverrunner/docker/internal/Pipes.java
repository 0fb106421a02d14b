package org.cleverrunner.docker.internal;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;

/**
 * Streams between a writer and a reader that both want to drive (a tar written while the Engine reads it), a stream
 * that counts what crosses it, and one that outlives its writer's close; shared by the executor and the gateway.
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
     * Runs {@code writer} on a thread of its own into a pipe that {@code reader} drains on this one, both at once; a
     * failure on either side ends both and is rethrown here, as it was thrown when it is an IOException.
     *
     * <p>Not {@link java.io.PipedInputStream}: its reader sleeps until the writer has filled the whole buffer, and
     * its writer until the reader has emptied it, so the two sides take turns instead of overlapping (a cache's
     * conversion and the Engine's extraction then add up instead of running side by side).
     */
    public static void piped(String threadName, Writer writer, Reader reader) throws IOException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Pipe pipe = new Pipe();
        Thread producer = new Thread(() -> {
            OutputStream out = pipe.sink();
            try {
                writer.write(out);
                out.close(); // the end, only after everything was written: a failure is never a clean end
            } catch (IOException | RuntimeException e) {
                failure.set(e);
                pipe.fail(e);
            } catch (Error e) {
                pipe.fail(e);
                throw e;
            }
        }, threadName);
        producer.setDaemon(true);
        producer.start();
        RuntimeException readerFailure = null;
        try (InputStream in = pipe.source()) {
            reader.read(in);
        } catch (RuntimeException e) {
            readerFailure = e; // the writer's failure, when there is one, is what went wrong first
        } catch (IOException e) {
            if (failure.get() == null) {
                throw e;
            }
        } finally {
            pipe.closeSource(); // a reader that gave up unblocks the writer
            try {
                producer.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Throwable cause = failure.get();
        if (cause != null) {
            throw cause instanceof IOException io ? io : new IOException(Messages.oneLine(cause), cause);
        }
        if (readerFailure != null) {
            throw readerFailure;
        }
    }

    /**
     * Chunks of at most {@value #CHUNK} bytes through a queue of {@value #DEPTH}: at most about 1 MiB in flight.
     * The writer's side fails once the reader's is closed; the reader sees the end once the writer's is closed, or
     * the writer's failure as an IOException.
     */
    static final class Pipe {
        static final int CHUNK = 64 * 1024;
        static final int DEPTH = 16;
        private static final byte[] END = new byte[0];

        private final BlockingQueue<byte[]> chunks = new ArrayBlockingQueue<>(DEPTH);
        private volatile boolean sourceClosed;
        private volatile Throwable writerFailure;

        OutputStream sink() {
            return new OutputStream() {
                private byte[] buffer = new byte[CHUNK];
                private int filled;
                private boolean closed;

                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] bytes, int off, int len) throws IOException {
                    if (closed) {
                        throw new IOException("the pipe is closed");
                    }
                    while (len > 0) {
                        int n = Math.min(len, CHUNK - filled);
                        System.arraycopy(bytes, off, buffer, filled, n);
                        filled += n;
                        off += n;
                        len -= n;
                        if (filled == CHUNK) {
                            send();
                        }
                    }
                }

                @Override
                public void flush() throws IOException {
                    if (filled > 0) {
                        send();
                    }
                }

                @Override
                public void close() throws IOException {
                    if (!closed) {
                        flush();
                        closed = true;
                        put(END);
                    }
                }

                private void send() throws IOException {
                    put(filled == CHUNK ? buffer : java.util.Arrays.copyOf(buffer, filled));
                    buffer = new byte[CHUNK];
                    filled = 0;
                }
            };
        }

        private void put(byte[] chunk) throws IOException {
            try {
                while (!chunks.offer(chunk, 100, TimeUnit.MILLISECONDS)) {
                    if (sourceClosed) {
                        throw new IOException("the reader of the pipe stopped reading");
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while writing into the pipe");
            }
        }

        void fail(Throwable cause) {
            writerFailure = cause;
            chunks.offer(END); // wakes a waiting reader; when the queue is full it reads what is left first
        }

        void closeSource() {
            sourceClosed = true;
            chunks.clear();
        }

        InputStream source() {
            return new InputStream() {
                private byte[] current = new byte[0];
                private int position;
                private boolean ended;

                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] bytes, int off, int len) throws IOException {
                    if (len == 0) {
                        return 0;
                    }
                    while (position == current.length) {
                        if (ended) {
                            return -1;
                        }
                        byte[] next;
                        try {
                            next = chunks.poll(100, TimeUnit.MILLISECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new java.io.InterruptedIOException("interrupted while reading the pipe");
                        }
                        if (next == null) {
                            if (writerFailure != null && chunks.isEmpty()) {
                                throw failed();
                            }
                            continue;
                        }
                        if (next == END) {
                            ended = true;
                            if (writerFailure != null) {
                                throw failed();
                            }
                            return -1;
                        }
                        current = next;
                        position = 0;
                    }
                    int n = Math.min(len, current.length - position);
                    System.arraycopy(current, position, bytes, off, n);
                    position += n;
                    return n;
                }

                @Override
                public void close() {
                    closeSource();
                }

                private IOException failed() {
                    ended = true;
                    return new IOException("the writer of the pipe failed: " + Messages.oneLine(writerFailure),
                            writerFailure);
                }
            };
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

    /** {@code out}, except that closing it only flushes: a stream written inside another that goes on after it. */
    public static OutputStream nonClosing(OutputStream out) {
        return new java.io.FilterOutputStream(out) {
            @Override
            public void write(byte[] bytes, int off, int len) throws IOException {
                out.write(bytes, off, len);
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        };
    }
}
