package org.cleverrunner.spi;

import java.util.Map;
import java.util.Objects;

/**
 * What a job needs from a host: which job it is for (for names, labels and reaping), the size asked for, and
 * labels to put on whatever the provisioner creates.
 *
 * @param runnerId the short id of the runner asking, part of every name and label so reapers find their own
 * @param jobId the coordinator's job id
 * @param flavor the size asked for (e.g. {@code M}), or null for the provisioner's default
 * @param labels extra labels for created resources
 */
public record HostRequest(String runnerId, long jobId, String flavor, Map<String, String> labels) {

    public HostRequest {
        Objects.requireNonNull(runnerId, "runnerId");
        labels = Map.copyOf(labels == null ? Map.of() : labels);
    }
}
