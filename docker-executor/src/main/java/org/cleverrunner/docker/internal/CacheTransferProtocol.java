package org.cleverrunner.docker.internal;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;

/**
 * The gateway's cache endpoints, shared by the executor (which asks) and the gateway on the job's VM (which moves
 * the archive between the job's volume and the store's pre-signed URLs). The answer is a stream of JSON lines:
 * {@code progress} events while bytes move, then one {@code done} event with the outcome.
 */
public final class CacheTransferProtocol {

    public static final String RESTORE_PATH = "/clever-runner/v1/cache/restore";
    public static final String SAVE_PATH = "/clever-runner/v1/cache/save";

    public static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);

    private CacheTransferProtocol() {
    }

    /**
     * Download {@code url} and extract the zip into the volume mounted by {@code container}, at
     * {@code parentDir/leafName}, owned by {@code uid:gid} unless {@code root}.
     */
    public record RestoreRequest(String container, String url, String parentDir, String leafName, boolean root,
            int uid, int gid) {
    }

    /**
     * Zip the files of {@code projectDir} (in the volume mounted by {@code container}) that the selection takes and
     * upload the zip to {@code url} with {@code headers}, if it is at most {@code maxBytes}.
     */
    public record SaveRequest(String container, String projectDir, String url, Map<String, String> headers,
            List<String> paths, List<String> exclude, boolean untracked, List<String> tracked, long maxBytes,
            String format, String level) {
    }

    /** What happened to the cache. */
    public enum Outcome {
        RESTORED, MISSING, SAVED, EMPTY, TOO_LARGE, FAILED
    }

    /**
     * One line of the answer: {@code type} is {@code progress} (bytes moved so far) or {@code done} (with the
     * outcome, the files and bytes of the archive, the time taken, on failure a message without secrets, and the
     * entries the archive left out, each with its reason).
     */
    public record Event(String type, Outcome outcome, long bytes, int files, long millis, String message,
            List<String> skipped) {

        public Event {
            skipped = skipped == null ? List.of() : List.copyOf(skipped);
        }

        public static Event progress(long bytes, long millis) {
            return new Event("progress", null, bytes, 0, millis, null, null);
        }

        public static Event done(Outcome outcome, long bytes, int files, long millis, String message) {
            return new Event("done", outcome, bytes, files, millis, message, null);
        }

        public static Event done(Outcome outcome, long bytes, Archives.Summary summary, long millis) {
            return new Event("done", outcome, bytes, summary.entries(), millis, null, summary.skipped());
        }

        public boolean isDone() {
            return "done".equals(type);
        }
    }
}
