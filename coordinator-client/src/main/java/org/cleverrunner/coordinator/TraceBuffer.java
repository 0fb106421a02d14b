package org.cleverrunner.coordinator;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * A job's trace as sent to the coordinator: append-only bytes with their running CRC32 (IEEE) and size, which
 * the final update reports so the coordinator can check it holds the same bytes. Kept in fixed-size chunks so
 * that growth never copies; thread-safe (one writer and the uploader may use it concurrently).
 */
public final class TraceBuffer {

    private static final int CHUNK = 64 * 1024;

    private final List<byte[]> chunks = new ArrayList<>();
    private final CRC32 crc = new CRC32();
    private long size;

    public synchronized void append(byte[] bytes, int from, int length) {
        if (from < 0 || length < 0 || from + length > bytes.length) {
            throw new IndexOutOfBoundsException("bad slice " + from + "+" + length + " of " + bytes.length);
        }
        crc.update(bytes, from, length);
        int copied = 0;
        while (copied < length) {
            int inChunk = (int) (size % CHUNK);
            if (inChunk == 0) {
                chunks.add(new byte[CHUNK]);
            }
            int n = Math.min(CHUNK - inChunk, length - copied);
            System.arraycopy(bytes, from + copied, chunks.get(chunks.size() - 1), inChunk, n);
            copied += n;
            size += n;
        }
    }

    public void append(byte[] bytes) {
        append(bytes, 0, bytes.length);
    }

    public void append(String text) {
        append(text.getBytes(StandardCharsets.UTF_8));
    }

    public synchronized long size() {
        return size;
    }

    /** {@code crc32:%08x} of every byte appended so far, as GitLab Runner formats it. */
    public synchronized String checksum() {
        return String.format("crc32:%08x", crc.getValue());
    }

    /** Copies up to {@code length} bytes from {@code offset} into {@code target}; returns how many were copied. */
    public synchronized int read(long offset, byte[] target, int from, int length) {
        if (offset < 0 || offset > size) {
            throw new IndexOutOfBoundsException("offset " + offset + " outside a trace of " + size + " bytes");
        }
        int total = (int) Math.min(length, size - offset);
        int copied = 0;
        while (copied < total) {
            long position = offset + copied;
            byte[] chunk = chunks.get((int) (position / CHUNK));
            int inChunk = (int) (position % CHUNK);
            int n = Math.min(CHUNK - inChunk, total - copied);
            System.arraycopy(chunk, inChunk, target, from + copied, n);
            copied += n;
        }
        return copied;
    }

    /** A copy of everything appended. */
    public synchronized byte[] toByteArray() {
        byte[] all = new byte[(int) size];
        read(0, all, 0, all.length);
        return all;
    }
}
