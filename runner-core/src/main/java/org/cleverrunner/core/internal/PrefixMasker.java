package org.cleverrunner.core.internal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Masks the value that follows a known marker: token prefixes ({@code glpat-…}, the whole token replaced) or URL
 * parameters ({@code ?private_token=…}, the name kept and the value replaced). A marker counts only when at least one
 * value byte follows it. Streaming: a tail that may still become a marker is held back (at most the longest marker),
 * and once a value is being masked its remaining bytes are dropped as they come, across writes, without buffering.
 */
public final class PrefixMasker implements ByteStage {

    private static final byte[] EMPTY = new byte[0];

    private final ByteStage next;
    private final byte[][] markers;
    private final boolean ignoreCase;
    private final boolean keepMarker;
    private final boolean[] valueByte;
    private final boolean[] firstByte = new boolean[256];
    private byte[] held = EMPTY;
    private boolean inValue;
    /** A whole marker was released by flush(): a value starting with the next write is still masked. */
    private boolean afterMarker;

    private PrefixMasker(List<String> markers, boolean ignoreCase, boolean keepMarker, boolean[] valueByte,
            ByteStage next) {
        this.next = next;
        this.ignoreCase = ignoreCase;
        this.keepMarker = keepMarker;
        this.valueByte = valueByte;
        this.markers = new byte[markers.size()][];
        for (int i = 0; i < markers.size(); i++) {
            String marker = ignoreCase ? markers.get(i).toLowerCase(java.util.Locale.ROOT) : markers.get(i);
            byte[] bytes = marker.getBytes(StandardCharsets.UTF_8);
            if (bytes.length == 0) {
                throw new IllegalArgumentException("empty marker");
            }
            this.markers[i] = bytes;
            firstByte[bytes[0] & 0xff] = true;
            if (ignoreCase) {
                firstByte[Character.toUpperCase(bytes[0] & 0xff) & 0xff] = true;
            }
        }
    }

    /** GitLab token prefixes followed by the token alphabet {@code [0-9A-Za-z-._=]}; the whole token is masked. */
    public static PrefixMasker tokens(List<String> prefixes, ByteStage next) {
        boolean[] alphabet = new boolean[256];
        for (int c = 0; c < 256; c++) {
            alphabet[c] = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                    || c == '-' || c == '.' || c == '_' || c == '=';
        }
        return new PrefixMasker(prefixes, false, false, alphabet, next);
    }

    /**
     * URL query parameters ({@code ?name=} or {@code &name=}, names case-insensitive); the value, up to {@code &},
     * {@code #}, a quote, a space or a control byte, is masked and the name kept.
     */
    public static PrefixMasker urlParams(List<String> names, ByteStage next) {
        boolean[] alphabet = new boolean[256];
        for (int c = 0x21; c < 256; c++) {
            alphabet[c] = c != '&' && c != '#' && c != '"' && c != '\'' && c != '<' && c != '>' && c != 0x7f;
        }
        List<String> markers = new java.util.ArrayList<>();
        for (String name : names) {
            markers.add("?" + name + "=");
            markers.add("&" + name + "=");
        }
        return new PrefixMasker(markers, true, true, alphabet, next);
    }

    @Override
    public void write(byte[] bytes, int from, int length) {
        if (length == 0) {
            return;
        }
        scan(bytes, from, length, false);
    }

    /** {@code last}: no more input will come (a flush), so nothing is held back. */
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
        int i = start;
        if (afterMarker) {
            afterMarker = false;
            if (valueByte[data[i] & 0xff]) {
                next.write(PhraseMasker.MASK, 0, PhraseMasker.MASK.length);
                inValue = true;
            }
        }
        if (inValue) {
            // the rest of a value already masked in an earlier write
            while (i < end && valueByte[data[i] & 0xff]) {
                i++;
            }
            if (i == end) {
                return;
            }
            inValue = false;
        }
        int run = i;
        while (i < end) {
            if (!firstByte[data[i] & 0xff]) {
                i++;
                continue;
            }
            int available = end - i;
            int matched = 0;
            boolean undecided = false;
            for (byte[] marker : markers) {
                if (available > marker.length) {
                    if (marker.length > matched && regionMatches(data, i, marker, marker.length)
                            && valueByte[data[i + marker.length] & 0xff]) {
                        matched = marker.length;
                    }
                } else if (!last && regionMatches(data, i, marker, available)) {
                    // the marker, or the value byte that must follow it, is still to come
                    undecided = true;
                }
            }
            if (undecided) {
                emit(data, run, i);
                held = Arrays.copyOfRange(data, i, end);
                return;
            }
            if (matched == 0) {
                i++;
                continue;
            }
            emit(data, run, keepMarker ? i + matched : i);
            next.write(PhraseMasker.MASK, 0, PhraseMasker.MASK.length);
            i += matched;
            while (i < end && valueByte[data[i] & 0xff]) {
                i++;
            }
            if (i == end) {
                inValue = true;
                return;
            }
            run = i;
        }
        emit(data, run, end);
    }

    private boolean regionMatches(byte[] data, int at, byte[] marker, int length) {
        for (int k = 0; k < length; k++) {
            int c = data[at + k] & 0xff;
            if (ignoreCase && c >= 'A' && c <= 'Z') {
                c += 'a' - 'A';
            }
            if (c != (marker[k] & 0xff)) {
                return false;
            }
        }
        return true;
    }

    private void emit(byte[] data, int from, int to) {
        if (to > from) {
            next.write(data, from, to - from);
        }
    }

    @Override
    public void flush() {
        if (held.length > 0) {
            boolean wholeMarker = false;
            for (byte[] marker : markers) {
                if (held.length == marker.length && regionMatches(held, 0, marker, marker.length)) {
                    wholeMarker = true;
                }
            }
            scan(EMPTY, 0, 0, true);
            // a whole marker is released as-is; if its value comes with the next write, that is masked then
            afterMarker = wholeMarker;
        }
        next.flush();
    }

    @Override
    public int held() {
        return held.length;
    }
}
