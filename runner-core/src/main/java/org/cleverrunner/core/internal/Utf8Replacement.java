package org.cleverrunner.core.internal;

/**
 * Replaces each byte that is not part of valid UTF-8 with U+FFFD, as GitLab Runner's trace does with
 * {@code encoding.Replacement.NewEncoder()} (golang.org/x/text): valid UTF-8, NUL and control bytes included, passes
 * unchanged; an invalid sequence costs one U+FFFD per byte (Go's {@code utf8.DecodeRune} advancing by one), so
 * overlong forms, surrogates and code points past U+10FFFF are replaced byte by byte.
 *
 * <p>Streaming: a character split over two writes stays intact, so the valid prefix of a character at the end of a
 * write (at most 3 bytes) is held back until the next write decides it. {@link #flush()} is the end of the input
 * for that prefix: what cannot be completed any more becomes U+FFFD, as Go's encoder does at EOF.
 */
public final class Utf8Replacement implements ByteStage {

    private static final byte[] REPLACEMENT = {(byte) 0xEF, (byte) 0xBF, (byte) 0xBD};
    /** The decision for a character needing more bytes than there are. */
    private static final int INCOMPLETE = -1;

    private final ByteStage next;
    private final byte[] held = new byte[3];
    private int heldLength;
    /** Scratch for the held prefix plus the start of the next write; never escapes this stage. */
    private final byte[] joined = new byte[7];

    public Utf8Replacement(ByteStage next) {
        this.next = next;
    }

    @Override
    public void write(byte[] bytes, int from, int length) {
        int end = from + length;
        int start = from;
        if (heldLength > 0 && length > 0) {
            // decide the held prefix with at most 4 more bytes, enough for any character it starts
            int taken = Math.min(length, 4);
            System.arraycopy(held, 0, joined, 0, heldLength);
            System.arraycopy(bytes, from, joined, heldLength, taken);
            int joinedLength = heldLength + taken;
            int stop = taken == length ? joinedLength : heldLength;
            int done = process(joined, 0, joinedLength, stop, false);
            if (done < stop) {
                // only possible when the whole write fitted in the scratch: its tail is the new held prefix
                keep(joined, done, joinedLength);
                return;
            }
            int consumedHere = done - heldLength;
            heldLength = 0;
            start = from + consumedHere;
            if (start >= end) {
                return;
            }
        }
        int done = process(bytes, start, end, end, false);
        keep(bytes, done, end);
    }

    @Override
    public void flush() {
        if (heldLength > 0) {
            System.arraycopy(held, 0, joined, 0, heldLength);
            int length = heldLength;
            heldLength = 0;
            process(joined, 0, length, length, true);
        }
        next.flush();
    }

    @Override
    public int held() {
        return heldLength;
    }

    private void keep(byte[] bytes, int from, int end) {
        int length = end - from;
        System.arraycopy(bytes, from, held, 0, length);
        heldLength = length;
    }

    /**
     * Writes the characters of {@code bytes[from, end)} that start before {@code stop}, valid runs as they are and
     * each invalid byte as U+FFFD; returns where it stopped: at or past {@code stop}, or at an incomplete character.
     */
    private int process(byte[] bytes, int from, int end, int stop, boolean atEof) {
        int run = from;
        int i = from;
        while (i < stop) {
            int b = bytes[i] & 0xff;
            if (b < 0x80) {
                i++;
                continue;
            }
            int size = runeLength(bytes, i, end);
            if (size == INCOMPLETE && !atEof) {
                break;
            }
            if (size > 0) {
                i += size;
            } else {
                if (i > run) {
                    next.write(bytes, run, i - run);
                }
                next.write(REPLACEMENT, 0, REPLACEMENT.length);
                i++;
                run = i;
            }
        }
        if (i > run) {
            next.write(bytes, run, i - run);
        }
        return i;
    }

    /**
     * The length of the valid character at {@code i} (first byte at least 0x80), 0 when it is invalid, or
     * {@link #INCOMPLETE} when the bytes before {@code end} are a valid prefix of one (Go's {@code utf8.FullRune}).
     */
    static int runeLength(byte[] bytes, int i, int end) {
        int first = bytes[i] & 0xff;
        int size;
        int low = 0x80;
        int high = 0xBF;
        if (first >= 0xC2 && first <= 0xDF) {
            size = 2;
        } else if (first >= 0xE0 && first <= 0xEF) {
            size = 3;
            low = first == 0xE0 ? 0xA0 : 0x80; // no overlong forms
            high = first == 0xED ? 0x9F : 0xBF; // no surrogates
        } else if (first >= 0xF0 && first <= 0xF4) {
            size = 4;
            low = first == 0xF0 ? 0x90 : 0x80;
            high = first == 0xF4 ? 0x8F : 0xBF; // nothing past U+10FFFF
        } else {
            return 0;
        }
        for (int k = 1; k < size; k++) {
            if (i + k >= end) {
                return INCOMPLETE;
            }
            int b = bytes[i + k] & 0xff;
            if (k == 1 ? b < low || b > high : b < 0x80 || b > 0xBF) {
                return 0;
            }
        }
        return size;
    }
}
