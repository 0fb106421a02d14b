package org.cleverrunner.docker.internal;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.TreeMap;
import org.cleverrunner.spi.Trace;

/**
 * Where a trace is in a container's log, and how to read the rest of it exactly once from a {@code logs} answer
 * with {@code timestamps=1}.
 *
 * <p>The answer is Docker's multiplexed stream: frames of {@code [stream, 0, 0, 0, size (4 bytes, big endian)]}
 * then {@code size} bytes. The engine writes one log entry per frame, its payload {@code <RFC3339Nano timestamp>
 * <bytes>}: the timestamp belongs to the frame, not to a line, so it is stripped per frame and the rest written as it
 * is. A line longer than 16 KiB is several partial entries, each with its own timestamp; written one after the other
 * they make the line again. A frame without a timestamp (the engine's own "Error grabbing logs") is written whole.
 * Only whole frames are written: a frame cut by the end of the answer is left for the next read.
 *
 * <p>Resuming: the engine returns the entries whose timestamp is at or after {@code since}, in log order, so the
 * answer begins with the entries already written at or after that instant. Each written entry is counted per second
 * of its timestamp; a read from {@link #resume()} (the last entry's second minus {@link #MARGIN_SECONDS}, whole
 * seconds like docker-java's {@code withSince}) skips exactly as many entries as were written from that second on.
 * Nothing is lost or repeated, also when entries share a timestamp or the clock steps back by up to the margin; an
 * entry written after the clock stepped back by more than the margin (before the resume point) is lost if the
 * stream is cut right after it. Counts older than {@link #RETAINED_SECONDS} before the newest entry are forgotten (a
 * cut after a clock step back that large may repeat entries). Assumes the engine still has every entry since the
 * resume point (no log rotation of them).
 *
 * <p>Progress: re-reading the margin costs up to a few seconds of output. When a resumed read was cut again before
 * it wrote anything, the next one starts at the last entry's exact timestamp instead (the engine takes
 * {@code since=<seconds>.<nanoseconds>}) and skips the entries written with that very timestamp, so a proxy cutting
 * faster than the margin can be re-read still lets the log advance. That step is exact when no written entry is
 * later than the last one (the clock did not step back among them); otherwise the margin is kept.
 *
 * <p>Not thread-safe: one reader at a time.
 */
final class LogCursor {

    /** Seconds before the last entry's second a resumed read starts from: covers the clock stepping back. */
    static final long MARGIN_SECONDS = 2;
    /** Per-second counts kept for resuming after a clock step back, in seconds before the newest entry. */
    static final long RETAINED_SECONDS = 600;
    /** Frames larger than this are not log entries (those are at most 16 KiB); they are written as they come. */
    static final int MAX_ENTRY = 1 << 20;

    private final Trace trace;
    private final TreeMap<Long, Integer> writtenPerSecond = new TreeMap<>();
    private long lastSecond = -1;
    private long newestSecond = -1;
    /** The last entry's timestamp and the latest one written, in epoch nanoseconds; how many have the latest. */
    private long lastNanos = -1;
    private long latestNanos = -1;
    private long atLatest;
    /** The last read was cut before it wrote anything: resume from the exact last timestamp. */
    private boolean stalled;
    private byte[] frame = new byte[32 * 1024];
    private final byte[] header = new byte[8];
    private String cachedTimestamp;
    private long cachedSecond;
    private long entries;

    LogCursor(Trace trace) {
        this.trace = trace;
    }

    /** Where a read starts: the {@code since} parameter (empty: the whole log) and how many entries it skips. */
    record Resume(String since, long skip) {
    }

    /** Where the next read starts. */
    Resume resume() {
        if (lastNanos < 0) {
            return new Resume("", 0);
        }
        if (stalled && lastNanos == latestNanos) {
            return new Resume(String.format("%d.%09d", lastNanos / 1_000_000_000L, lastNanos % 1_000_000_000L),
                    atLatest);
        }
        long since = Math.max(0, lastSecond - MARGIN_SECONDS);
        long skip = 0;
        for (Map.Entry<Long, Integer> count : writtenPerSecond.tailMap(since, true).entrySet()) {
            skip += count.getValue();
        }
        return new Resume(since == 0 ? "" : Long.toString(since), skip);
    }

    /** Entries written so far. */
    long entries() {
        return entries;
    }

    /**
     * Writes the entries of one answer read from {@code from} (this cursor's {@link #resume()}) that are not yet
     * written. Returns at the end of the answer; throws when it was cut (its last frame incomplete), having written
     * every whole frame before the cut.
     */
    void read(InputStream body, Resume from) throws IOException {
        long before = entries;
        boolean ended = false;
        try {
            readFrames(body, from.skip());
            ended = true;
        } finally {
            stalled = !ended && entries == before;
        }
    }

    private void readFrames(InputStream body, long skip) throws IOException {
        boolean first = true;
        while (true) {
            int got = readFully(body, header, 0, 8);
            if (got == 0) {
                return;
            }
            if (first && header[0] != 0 && header[0] != 1 && header[0] != 2) {
                // not multiplexed (a TTY): no frames, no timestamps to strip, written as it comes
                trace.write(header, 0, got);
                copy(body);
                return;
            }
            first = false;
            if (got < 8) {
                throw new EOFException("log stream cut inside a frame header");
            }
            long size = ((header[4] & 0xffL) << 24) | ((header[5] & 0xff) << 16) | ((header[6] & 0xff) << 8)
                    | (header[7] & 0xff);
            if (size > MAX_ENTRY) {
                copy(body, size);
                continue;
            }
            int length = (int) size;
            if (frame.length < length) {
                frame = new byte[Math.max(length, frame.length * 2)];
            }
            if (readFully(body, frame, 0, length) < length) {
                throw new EOFException("log stream cut inside a frame");
            }
            skip = entry(frame, length, skip);
        }
    }

    /** Handles one frame's payload; returns how many timestamped entries are still to be skipped. */
    long entry(byte[] payload, int length, long skip) {
        int space = -1;
        for (int i = 0; i < Math.min(length, 40); i++) {
            if (payload[i] == ' ') {
                space = i;
                break;
            }
        }
        long nanos = space > 0 ? epochNanos(payload, space) : -1;
        if (nanos < 0) {
            trace.write(payload, 0, length);
            return skip;
        }
        if (skip > 0) {
            return skip - 1; // written before the stream was cut
        }
        trace.write(payload, space + 1, length - space - 1);
        entries++;
        long second = Math.floorDiv(nanos, 1_000_000_000L);
        writtenPerSecond.merge(second, 1, Integer::sum);
        lastSecond = second;
        lastNanos = nanos;
        if (nanos > latestNanos) {
            latestNanos = nanos;
            atLatest = 1;
        } else if (nanos == latestNanos) {
            atLatest++;
        }
        if (second > newestSecond) {
            newestSecond = second;
            writtenPerSecond.headMap(newestSecond - RETAINED_SECONDS).clear();
        }
        return skip;
    }

    /** The timestamp {@code payload[0, end)} in epoch nanoseconds, or -1 when it is not one. */
    private long epochNanos(byte[] payload, int end) {
        if (end < 20 || payload[0] < '0' || payload[0] > '9' || payload[10] != 'T') {
            return -1;
        }
        String timestamp = new String(payload, 0, end, StandardCharsets.US_ASCII);
        // consecutive entries mostly share their second (RFC3339NanoFixed, UTC): parse only the fraction then
        if (cachedTimestamp != null && timestamp.length() == 30 && timestamp.charAt(19) == '.'
                && timestamp.charAt(29) == 'Z' && timestamp.regionMatches(0, cachedTimestamp, 0, 19)) {
            int fraction = 0;
            for (int i = 20; i < 29; i++) {
                char c = timestamp.charAt(i);
                if (c < '0' || c > '9') {
                    return -1;
                }
                fraction = fraction * 10 + (c - '0');
            }
            return cachedSecond * 1_000_000_000L + fraction;
        }
        try {
            OffsetDateTime parsed = OffsetDateTime.parse(timestamp);
            cachedTimestamp = timestamp;
            cachedSecond = parsed.toEpochSecond();
            return cachedSecond * 1_000_000_000L + parsed.getNano();
        } catch (DateTimeParseException e) {
            return -1;
        }
    }

    private void copy(InputStream body) throws IOException {
        for (int n; (n = body.read(frame)) >= 0; ) {
            trace.write(frame, 0, n);
        }
    }

    private void copy(InputStream body, long size) throws IOException {
        while (size > 0) {
            int n = body.read(frame, 0, (int) Math.min(frame.length, size));
            if (n < 0) {
                throw new EOFException("log stream cut inside a frame");
            }
            trace.write(frame, 0, n);
            size -= n;
        }
    }

    /** Reads up to {@code length} bytes, fewer only at the end of the stream; returns how many. */
    private static int readFully(InputStream in, byte[] into, int from, int length) throws IOException {
        int got = 0;
        while (got < length) {
            int n = in.read(into, from + got, length - got);
            if (n < 0) {
                break;
            }
            got += n;
        }
        return got;
    }
}
