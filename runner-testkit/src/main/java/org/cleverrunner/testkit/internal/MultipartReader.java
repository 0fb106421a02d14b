package org.cleverrunner.testkit.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A streaming multipart/form-data reader: parts are consumed one at a time and their bodies are copied to a sink,
 * so bodies of any size pass through a fixed 64 KiB buffer.
 */
public final class MultipartReader {

    /** Headers of one part, with the Content-Disposition {@code name} and {@code filename} already extracted. */
    public record PartHeaders(Map<String, String> headers, String name, String filename) {
    }

    private static final int BUFFER_SIZE = 64 * 1024;

    private final InputStream in;
    private final byte[] delimiter;
    private final byte[] buf = new byte[BUFFER_SIZE];
    private int pos;
    private int limit;
    private boolean finished;
    private boolean started;

    public MultipartReader(InputStream in, String boundary) {
        if (boundary == null || boundary.isEmpty() || boundary.length() > 200) {
            throw new IllegalArgumentException("invalid multipart boundary");
        }
        this.in = in;
        this.delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        // The first delimiter has no leading CRLF: pretend there was one.
        buf[0] = '\r';
        buf[1] = '\n';
        limit = 2;
    }

    /** Extracts the boundary parameter from a multipart Content-Type, or null. */
    public static String boundaryOf(String contentType) {
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
            return null;
        }
        for (String param : contentType.split(";")) {
            String p = param.trim();
            if (p.toLowerCase(Locale.ROOT).startsWith("boundary=")) {
                String value = p.substring("boundary=".length()).trim();
                if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                    value = value.substring(1, value.length() - 1);
                }
                return value.isEmpty() ? null : value;
            }
        }
        return null;
    }

    /**
     * Moves to the next part and returns its headers, or null after the closing delimiter.
     * The previous part's body must have been consumed with {@link #readBody(OutputStream)}.
     */
    public PartHeaders nextPart() throws IOException {
        if (finished) {
            return null;
        }
        if (!started) {
            skipTo(OutputStream.nullOutputStream());
            started = true;
        }
        // After a delimiter: "--" ends the body, CRLF starts a part (transport padding is tolerated).
        if (!ensure(2)) {
            throw new MalformedMultipartException("unexpected end of multipart body");
        }
        if (buf[pos] == '-' && buf[pos + 1] == '-') {
            finished = true;
            in.transferTo(OutputStream.nullOutputStream());
            return null;
        }
        while (ensure(1) && (buf[pos] == ' ' || buf[pos] == '\t')) {
            pos++;
        }
        expectCrlf();
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        while (true) {
            String line = readLine();
            if (line.isEmpty()) {
                break;
            }
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
            }
            if (headers.size() > 100) {
                throw new MalformedMultipartException("too many part headers");
            }
        }
        String disposition = headers.getOrDefault("Content-Disposition", "");
        return new PartHeaders(headers, dispositionParam(disposition, "name"), dispositionParam(disposition, "filename"));
    }

    /** Copies the current part's body to {@code sink}; returns the number of bytes copied. */
    public long readBody(OutputStream sink) throws IOException {
        return skipTo(sink);
    }

    private long skipTo(OutputStream sink) throws IOException {
        long copied = 0;
        while (true) {
            int idx = indexOf(delimiter, pos, limit);
            if (idx >= 0) {
                sink.write(buf, pos, idx - pos);
                copied += idx - pos;
                pos = idx + delimiter.length;
                return copied;
            }
            int safe = limit - (delimiter.length - 1);
            if (safe > pos) {
                sink.write(buf, pos, safe - pos);
                copied += safe - pos;
                pos = safe;
            }
            if (!fill()) {
                throw new MalformedMultipartException("unexpected end of multipart body (no closing delimiter)");
            }
        }
    }

    private void expectCrlf() throws IOException {
        if (!ensure(2) || buf[pos] != '\r' || buf[pos + 1] != '\n') {
            throw new MalformedMultipartException("malformed multipart delimiter line");
        }
        pos += 2;
    }

    private String readLine() throws IOException {
        StringBuilder line = new StringBuilder();
        while (true) {
            if (!ensure(1)) {
                throw new MalformedMultipartException("unexpected end of multipart headers");
            }
            byte b = buf[pos++];
            if (b == '\r') {
                if (!ensure(1)) {
                    throw new MalformedMultipartException("unexpected end of multipart headers");
                }
                if (buf[pos] == '\n') {
                    pos++;
                    return line.toString();
                }
            }
            line.append((char) (b & 0xff));
            if (line.length() > 8192) {
                throw new MalformedMultipartException("multipart header line too long");
            }
        }
    }

    /** Makes sure at least n unread bytes are buffered; false on end of stream. */
    private boolean ensure(int n) throws IOException {
        while (limit - pos < n) {
            if (!fill()) {
                return false;
            }
        }
        return true;
    }

    private boolean fill() throws IOException {
        if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, limit - pos);
            limit -= pos;
            pos = 0;
        }
        if (limit == buf.length) {
            throw new IllegalStateException("multipart buffer full");
        }
        int read = in.read(buf, limit, buf.length - limit);
        if (read < 0) {
            return false;
        }
        limit += read;
        return true;
    }

    private int indexOf(byte[] needle, int from, int to) {
        byte first = needle[0];
        outer:
        for (int i = from; i <= to - needle.length; i++) {
            if (buf[i] != first) {
                continue;
            }
            for (int j = 1; j < needle.length; j++) {
                if (buf[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static String dispositionParam(String disposition, String param) {
        // Content-Disposition: form-data; name="file"; filename="artifacts.zip"
        for (String piece : disposition.split(";")) {
            String p = piece.trim();
            int eq = p.indexOf('=');
            if (eq > 0 && p.substring(0, eq).trim().equalsIgnoreCase(param)) {
                String value = p.substring(eq + 1).trim();
                if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                    value = value.substring(1, value.length() - 1);
                }
                return new String(value.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    /** Thrown when the body is not well-formed multipart. */
    public static final class MalformedMultipartException extends IOException {
        public MalformedMultipartException(String message) {
            super(message);
        }
    }
}
