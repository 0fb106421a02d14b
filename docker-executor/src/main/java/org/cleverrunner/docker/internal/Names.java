package org.cleverrunner.docker.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Names and labels of what a job creates on its host: everything carries the runner and job ids so that
 * clean-up and the host sweep find it, and every name is derived from validated parts only.
 */
public final class Names {

    public static final String LABEL_MANAGED = org.cleverrunner.spi.Executor.MANAGED_LABEL;
    public static final String LABEL_RUNNER = org.cleverrunner.spi.Executor.RUNNER_LABEL;
    public static final String LABEL_JOB = org.cleverrunner.spi.Executor.JOB_LABEL;
    public static final String LABEL_ROLE = "org.cleverrunner.role";

    private static final Pattern RUNNER_ID = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,62}");

    private final String runnerId;
    private final long jobId;

    public Names(String runnerId, long jobId) {
        if (!RUNNER_ID.matcher(runnerId).matches()) {
            throw new IllegalArgumentException("runner id must be lower-case letters, digits, '.', '_' or '-', got '"
                    + runnerId + "'");
        }
        if (jobId <= 0) {
            throw new IllegalArgumentException("job id must be positive, got " + jobId);
        }
        this.runnerId = runnerId;
        this.jobId = jobId;
    }

    public String prefix() {
        return "clever-runner-" + runnerId + "-" + jobId;
    }

    public String network() {
        return prefix() + "-network";
    }

    public String buildVolume() {
        return prefix() + "-builds";
    }

    public String container(String role) {
        return prefix() + "-" + role;
    }

    public Map<String, String> labels(String role) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(LABEL_MANAGED, "true");
        labels.put(LABEL_RUNNER, runnerId);
        labels.put(LABEL_JOB, Long.toString(jobId));
        labels.put(LABEL_ROLE, role);
        return labels;
    }

    /** The label filter that finds everything of this job. */
    public Map<String, String> jobFilter() {
        return Map.of(LABEL_RUNNER, runnerId, LABEL_JOB, Long.toString(jobId));
    }
}
