package org.cleverrunner.core;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.cleverrunner.coordinator.TlsOptions;
import org.cleverrunner.spi.ProviderSettings;
import org.cleverrunner.spi.Secret;

/**
 * One {@code [[runners]]} entry: a runner registered on one GitLab or Heptapod instance, with the executor and the
 * provisioner its jobs use.
 *
 * @param name shown in logs and metrics
 * @param url the coordinator's URL ({@code https://gitlab.example.com})
 * @param token the runner's authentication token ({@code glrt-…}); never logged, never journaled
 * @param limit how many of this runner's jobs may run at once (0 = only the global {@code concurrent} applies)
 * @param requestConcurrency how many job requests may be in flight at once for this runner
 * @param executor the executor's id ({@code docker})
 * @param provisioner the provisioner's id ({@code local-docker}, {@code clever-cloud}…)
 * @param executorSettings {@code [runners.docker]}
 * @param provisionerSettings the provisioner's own section
 * @param tls extra CA / client certificate to reach the coordinator, or null
 * @param defaultImage the image of jobs that name none
 * @param outputLimitBytes the job log's size limit
 * @param admission weighted quota, provisioning cap and launch interval
 */
public record RunnerSettings(
        String name,
        String url,
        Secret token,
        int limit,
        int requestConcurrency,
        String executor,
        String provisioner,
        ProviderSettings executorSettings,
        ProviderSettings provisionerSettings,
        TlsOptions tls,
        String defaultImage,
        long outputLimitBytes,
        AdmissionSettings admission) {

    private static final Pattern SHORT_TOKEN = Pattern.compile("[^a-z0-9]");

    public RunnerSettings {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(token, "token");
        limit = Math.max(0, limit);
        requestConcurrency = Math.max(1, requestConcurrency);
        executor = executor == null || executor.isBlank() ? "docker" : executor;
        provisioner = provisioner == null || provisioner.isBlank() ? "local-docker" : provisioner;
        executorSettings = executorSettings == null ? ProviderSettings.empty() : executorSettings;
        provisionerSettings = provisionerSettings == null ? ProviderSettings.empty() : provisionerSettings;
        defaultImage = defaultImage == null || defaultImage.isBlank() ? "alpine:latest" : defaultImage;
        outputLimitBytes = outputLimitBytes <= 0 ? 4L * 1024 * 1024 : outputLimitBytes;
        admission = admission == null ? AdmissionSettings.unlimited() : admission;
    }

    /** Settings without admission limits beyond {@code limit}. */
    public RunnerSettings(String name, String url, Secret token, int limit, int requestConcurrency, String executor,
            String provisioner, ProviderSettings executorSettings, ProviderSettings provisionerSettings,
            TlsOptions tls, String defaultImage, long outputLimitBytes) {
        this(name, url, token, limit, requestConcurrency, executor, provisioner, executorSettings,
                provisionerSettings, tls, defaultImage, outputLimitBytes, null);
    }

    /** A runner with the defaults: docker executor on the local Docker Engine. */
    public static RunnerSettings of(String name, String url, String token) {
        return new RunnerSettings(name, url, Secret.of(token), 0, 1, null, null, null, null, null, null, 0);
    }

    /**
     * The runner's short id for names and labels: the first 8 letters or digits of the token after its
     * {@code glrt-} prefix, lower-cased, as GitLab's "short token". Not secret enough to matter, too short to use.
     */
    public String shortId() {
        String raw = token.reveal();
        int dash = raw.indexOf('-');
        String body = SHORT_TOKEN.matcher((dash >= 0 && dash < 8 ? raw.substring(dash + 1) : raw)
                .toLowerCase(java.util.Locale.ROOT)).replaceAll("");
        return body.length() <= 8 ? (body.isEmpty() ? "runner" : body) : body.substring(0, 8);
    }

    public RunnerSettings withLimit(int newLimit) {
        return new RunnerSettings(name, url, token, newLimit, requestConcurrency, executor, provisioner,
                executorSettings, provisionerSettings, tls, defaultImage, outputLimitBytes, admission);
    }

    public RunnerSettings withAdmission(AdmissionSettings newAdmission) {
        return new RunnerSettings(name, url, token, limit, requestConcurrency, executor, provisioner,
                executorSettings, provisionerSettings, tls, defaultImage, outputLimitBytes, newAdmission);
    }

    @Override
    public String toString() {
        return "RunnerSettings[name=" + name + ", url=" + url + ", token=[MASKED], limit=" + limit
                + ", executor=" + executor + ", provisioner=" + provisioner + "]";
    }

    static List<RunnerSettings> copy(List<RunnerSettings> runners) {
        return List.copyOf(runners == null ? List.of() : runners);
    }

    /** How long one long poll may hold the request; the client's read timeout must exceed it. */
    static final Duration LONG_POLL_ALLOWANCE = Duration.ofSeconds(90);
}
