package org.cleverrunner.coordinator;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The {@code info} object the runner sends with registration, verification, job requests and job updates: who
 * it is and which protocol features it supports. Rails drops a job as {@code runner_unsupported} when it needs a
 * feature the runner did not advertise.
 */
public record RunnerInfo(
        String name,
        String version,
        String revision,
        String platform,
        String architecture,
        String executor,
        String shell,
        Map<String, Boolean> features,
        Map<String, String> labels) {

    /** Features this client implements at the protocol level, whatever the executor. */
    public static final Map<String, Boolean> PROTOCOL_FEATURES = orderedMap(
            "trace_reset", true, "trace_checksum", true, "trace_size", true, "cancelable", true,
            "cancel_gracefully", true, "two_phase_job_commit", true, "upload_multiple_artifacts", true,
            "upload_raw_artifacts", true, "artifacts", true, "artifacts_exclude", true, "variables", true,
            "masking", true, "raw_variables", true, "refspecs", true, "return_exit_code", true,
            "multi_build_steps", true, "fallback_cache_keys", true);

    public RunnerInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        features = Map.copyOf(features == null ? Map.of() : features);
        labels = Map.copyOf(labels == null ? Map.of() : labels);
    }

    /** clever-runner's identity on this JVM, with the protocol features and no executor yet. */
    public static RunnerInfo defaults() {
        return new RunnerInfo("clever-runner", ClientVersion.VERSION, ClientVersion.REVISION, detectPlatform(),
                detectArchitecture(), null, null, PROTOCOL_FEATURES, Map.of());
    }

    /** A copy naming the executor and shell. */
    public RunnerInfo withExecutor(String executor, String shell) {
        return new RunnerInfo(name, version, revision, platform, architecture, executor, shell, features, labels);
    }

    /** A copy with one feature set, added to those already advertised. */
    public RunnerInfo withFeature(String feature, boolean supported) {
        Map<String, Boolean> copy = new LinkedHashMap<>(features);
        copy.put(feature, supported);
        return new RunnerInfo(name, version, revision, platform, architecture, executor, shell, copy, labels);
    }

    /** A copy with these labels. */
    public RunnerInfo withLabels(Map<String, String> newLabels) {
        return new RunnerInfo(name, version, revision, platform, architecture, executor, shell, features, newLabels);
    }

    private static String detectPlatform() {
        String os = System.getProperty("os.name", "unknown").toLowerCase(java.util.Locale.ROOT);
        if (os.startsWith("windows")) {
            return "windows";
        }
        return os.startsWith("mac") ? "darwin" : os.replace(' ', '_');
    }

    private static String detectArchitecture() {
        String arch = System.getProperty("os.arch", "unknown");
        return switch (arch) {
            case "x86_64", "amd64" -> "amd64";
            case "aarch64" -> "arm64";
            default -> arch;
        };
    }

    private static Map<String, Boolean> orderedMap(Object... pairs) {
        Map<String, Boolean> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put((String) pairs[i], (Boolean) pairs[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(map);
    }
}
