package org.cleverrunner.testkit.clevercloud;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One request the simulator received, with the status it answered ({@link #DROPPED} for a dropped connection).
 * Headers are case-insensitive. The Authorization header is kept for assertions but never logged.
 */
public record CleverRequest(CleverEndpoint endpoint, String method, String path, String query,
                            Map<String, List<String>> headers, byte[] body, int status, Instant time) {

    public static final int DROPPED = -1;

    public CleverRequest {
        Map<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        headers = Collections.unmodifiableMap(copy);
    }

    /** The first value of a header (case-insensitive), or null. */
    public String header(String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "CleverRequest[" + endpoint + " " + method + " " + path + (query == null ? "" : "?" + query)
                + " -> " + status + "]";
    }
}
