package org.cleverrunner.core.internal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Replaces every occurrence of a secret's exact bytes with {@code [MASKED]}, also when a secret is split across
 * writes. Only the longest tail of the input that is a proper prefix of some secret is held back; everything before
 * it is passed on at once, so memory stays bounded by the longest secret whatever the output's size. At one
 * position, the longest secret that matches wins ("abc" and "abcdef" both set: "abcdef" is masked whole).
 */
public final class PhraseMasker implements ByteStage {

    static final byte[] MASK = "[MASKED]".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EMPTY = new byte[0];

    private final ByteStage next;
    private final byte[][] secrets;
    private final boolean[] firstByte = new boolean[256];
    private final int longest;
    private byte[] held = EMPTY;
    private int maxHeld;

    public PhraseMasker(Collection<String> secrets, ByteStage next) {
        this.next = next;
        Set<String> distinct = new LinkedHashSet<>();
        for (String secret : secrets) {
            if (secret != null && !secret.isEmpty()) {
                distinct.add(secret);
            }
        }
        this.secrets = new byte[distinct.size()][];
        int i = 0;
        int max = 0;
        for (String secret : distinct) {
            byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
            this.secrets[i++] = bytes;
            firstByte[bytes[0] & 0xff] = true;
            max = Math.max(max, bytes.length);
        }
        this.longest = max;
    }

    /** The length in bytes of the longest secret, 0 when there is none. */
    public int longest() {
        return longest;
    }

    @Override
    public void write(byte[] bytes, int from, int length) {
        if (length == 0) {
            return;
        }
        if (secrets.length == 0) {
            next.write(bytes, from, length);
            return;
        }
        scan(bytes, from, length, false);
    }

    /** {@code last}: no more input will come (a flush), so a partial secret is final and not held. */
    private void scan(byte[] bytes, int from, int length, boolean last) {
        byte[] data;
        int start;
        int end;
        if (held.length > 0) {
            data = Arrays.copyOf(held, held.length + length);
            System.arraycopy(bytes, from, data, held.length, length);
            start = 0;
            end = data.length;
            held = EMPTY;
        } else {
            data = bytes;
            start = from;
            end = from + length;
        }
        int run = start;
        int i = start;
        while (i < end) {
            if (!firstByte[data[i] & 0xff]) {
                i++;
                continue;
            }
            int available = end - i;
            int matched = 0;
            boolean partial = false;
            for (byte[] secret : secrets) {
                if (available >= secret.length) {
                    if (secret.length > matched && Arrays.equals(data, i, i + secret.length, secret, 0, secret.length)) {
                        matched = secret.length;
                    }
                } else if (!last && Arrays.equals(data, i, end, secret, 0, available)) {
                    partial = true;
                }
            }
            if (partial) {
                // a longer secret may still complete with the next write: keep this tail, and only it
                emit(data, run, i);
                held = Arrays.copyOfRange(data, i, end);
                maxHeld = Math.max(maxHeld, held.length);
                return;
            }
            if (matched > 0) {
                emit(data, run, i);
                next.write(MASK, 0, MASK.length);
                i += matched;
                run = i;
            } else {
                i++;
            }
        }
        emit(data, run, end);
    }

    private void emit(byte[] data, int from, int to) {
        if (to > from) {
            next.write(data, from, to - from);
        }
    }

    @Override
    public void flush() {
        if (held.length > 0) {
            // what is held may still contain a shorter secret ("abcde" held for "abcdef" holds "abc")
            scan(EMPTY, 0, 0, true);
        }
        next.flush();
    }

    @Override
    public int held() {
        return held.length;
    }

    /** The most this masker ever held back at once; always less than {@link #longest()}. */
    public int maxHeld() {
        return maxHeld;
    }
}
