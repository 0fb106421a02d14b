package org.cleverrunner.testkit.internal;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Counts every byte read and keeps a copy of the first {@code captureLimit} bytes. */
public final class CapturingInputStream extends FilterInputStream {
    private final int captureLimit;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private long count;

    public CapturingInputStream(InputStream in, int captureLimit) {
        super(in);
        this.captureLimit = captureLimit;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            count++;
            if (captured.size() < captureLimit) {
                captured.write(b);
            }
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n > 0) {
            count += n;
            int room = captureLimit - captured.size();
            if (room > 0) {
                captured.write(b, off, Math.min(room, n));
            }
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] scratch = new byte[8192];
        long skipped = 0;
        while (skipped < n) {
            int r = read(scratch, 0, (int) Math.min(scratch.length, n - skipped));
            if (r < 0) {
                break;
            }
            skipped += r;
        }
        return skipped;
    }

    /** Reads and discards the rest of the stream. */
    public void drain() throws IOException {
        byte[] scratch = new byte[64 * 1024];
        while (read(scratch, 0, scratch.length) >= 0) {
            // discard
        }
    }

    public long count() {
        return count;
    }

    public byte[] captured() {
        return captured.toByteArray();
    }

    @Override
    public boolean markSupported() {
        return false;
    }
}
