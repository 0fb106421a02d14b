package org.cleverrunner.testkit;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One request the fake received, with the status it answered.
 *
 * @param endpoint  the endpoint it was routed to
 * @param method    HTTP method
 * @param path      request path, without the query string
 * @param query     raw query string, or null
 * @param headers   request headers; the map is case-insensitive ({@code headers().get("job-token")} works)
 * @param body      the request body, truncated to {@link #BODY_CAPTURE_LIMIT} bytes
 * @param bodySize  the full size of the body that was read
 * @param status    status answered; {@link #DROPPED} when the connection was dropped without a response
 * @param time      when the request arrived
 */
public record RecordedRequest(Endpoint endpoint, String method, String path, String query,
                              Map<String, List<String>> headers, byte[] body, long bodySize, int status, Instant time) {

    /** Bodies are recorded up to 64 KiB. */
    public static final int BODY_CAPTURE_LIMIT = 64 * 1024;

    /** Status recorded for a dropped connection. */
    public static final int DROPPED = -1;

    public RecordedRequest {
        Map<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        headers = Collections.unmodifiableMap(copy);
    }

    /** The first value of a header (case-insensitive), or null. */
    public String header(String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    public Optional<String> headerValue(String name) {
        return Optional.ofNullable(header(name));
    }

    public boolean hasHeader(String name) {
        return headers.containsKey(name);
    }

    /** The captured body as UTF-8 text. */
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** A query parameter's (undecoded) value, or null. */
    public String queryParam(String name) {
        if (query == null) {
            return null;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            if (key.equals(name)) {
                return eq < 0 ? "" : pair.substring(eq + 1);
            }
        }
        return null;
    }

    @Override
    public String toString() {
        List<String> names = new ArrayList<>(headers.keySet());
        return "RecordedRequest[" + endpoint + " " + method + " " + path + " -> " + status + ", headers=" + names
                + ", bodySize=" + bodySize + ", time=" + time + "]";
    }
}
