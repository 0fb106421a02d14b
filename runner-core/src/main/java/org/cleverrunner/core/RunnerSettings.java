package org.cleverrunner.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
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
 * @param cache where this runner's job caches are kept ({@link CacheSettings#none()} when not given)
 * @param jobs what the runner adds to each job: environment, pre/post build scripts, clone URL
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
        AdmissionSettings admission,
        CacheSettings cache,
        JobSetup jobs) {


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
        cache = cache == null ? CacheSettings.none() : cache;
        jobs = jobs == null ? JobSetup.NONE : jobs;
    }

    /** Settings that add nothing to jobs. */
    public RunnerSettings(String name, String url, Secret token, int limit, int requestConcurrency, String executor,
            String provisioner, ProviderSettings executorSettings, ProviderSettings provisionerSettings,
            TlsOptions tls, String defaultImage, long outputLimitBytes, AdmissionSettings admission,
            CacheSettings cache) {
        this(name, url, token, limit, requestConcurrency, executor, provisioner, executorSettings,
                provisionerSettings, tls, defaultImage, outputLimitBytes, admission, cache, null);
    }

    /** Settings without a cache store of their own. */
    public RunnerSettings(String name, String url, Secret token, int limit, int requestConcurrency, String executor,
            String provisioner, ProviderSettings executorSettings, ProviderSettings provisionerSettings,
            TlsOptions tls, String defaultImage, long outputLimitBytes, AdmissionSettings admission) {
        this(name, url, token, limit, requestConcurrency, executor, provisioner, executorSettings,
                provisionerSettings, tls, defaultImage, outputLimitBytes, admission, null);
    }

    /** Settings without admission limits beyond {@code limit}. */
    public RunnerSettings(String name, String url, Secret token, int limit, int requestConcurrency, String executor,
            String provisioner, ProviderSettings executorSettings, ProviderSettings provisionerSettings,
            TlsOptions tls, String defaultImage, long outputLimitBytes) {
        this(name, url, token, limit, requestConcurrency, executor, provisioner, executorSettings,
                provisionerSettings, tls, defaultImage, outputLimitBytes, null, null);
    }

    /** A runner with the defaults: docker executor on the local Docker Engine. */
    public static RunnerSettings of(String name, String url, String token) {
        return new RunnerSettings(name, url, Secret.of(token), 0, 1, null, null, null, null, null, null, 0);
    }

    /**
     * The part of the names and labels of what this runner creates (VMs, containers, networks, volumes) that says
     * whose they are, and by which its reaper finds its leftovers: 8 hex digits of a digest of the runner manager's
     * {@code systemId}, its journal's path and the runner's {@code name}. Not of the token (names once held its first
     * characters): rotating the token keeps every name (a VM running a job or kept warm is still this runner's, never an orphan),
     * and two managers sharing one runner token never take each other's VMs for leftovers: on two machines their
     * system ids differ, on one their journals do (a journal has one live owner, see {@link JournalLock}).
     *
     * @param systemId the runner manager's system id ({@code s_…}), or null for an embedded engine without one
     * @param journalFile the engine's journal, or null without one
     */
    public String hostKey(String systemId, java.nio.file.Path journalFile) {
        String owner = (systemId == null ? "" : systemId) + "\n"
                + (journalFile == null ? "" : journalFile.toAbsolutePath().normalize()) + "\n" + name;
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(("clever-runner host key\n" + owner)
                    .getBytes(StandardCharsets.UTF_8))).substring(0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /**
     * The runner's short token as gitlab-runner 18.2 and later compute it, for the names of cache objects
     * ({@code runner/<short token>/…}), CI_RUNNER_SHORT_TOKEN and the job log's header: the token without its
     * {@code glrt-} (and {@code t1_}…{@code t3_}), {@code glrtr-}, {@code glcbt-} or {@code GR…} prefix, cut to its
     * first 9 characters, case and characters kept, so the names match those gitlab-runner gives.
     */
    public String shortToken() {
        return org.cleverrunner.coordinator.GitLabTokens.shortToken(token.reveal());
    }

    public RunnerSettings withLimit(int newLimit) {
        return new RunnerSettings(name, url, token, newLimit, requestConcurrency, executor, provisioner,
                executorSettings, provisionerSettings, tls, defaultImage, outputLimitBytes, admission, cache, jobs);
    }

    public RunnerSettings withAdmission(AdmissionSettings newAdmission) {
        return new RunnerSettings(name, url, token, limit, requestConcurrency, executor, provisioner,
                executorSettings, provisionerSettings, tls, defaultImage, outputLimitBytes, newAdmission, cache, jobs);
    }

    public RunnerSettings withCache(CacheSettings newCache) {
        return new RunnerSettings(name, url, token, limit, requestConcurrency, executor, provisioner,
                executorSettings, provisionerSettings, tls, defaultImage, outputLimitBytes, admission, newCache, jobs);
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
