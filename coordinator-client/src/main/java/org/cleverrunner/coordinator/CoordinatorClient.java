package org.cleverrunner.coordinator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.MultipartBody;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.BufferedSink;
import okio.Okio;
import okio.Source;
import org.cleverrunner.coordinator.internal.Redactor;
import org.cleverrunner.coordinator.internal.ProtocolRetries;
import org.cleverrunner.http.RetryInterceptor;
import org.cleverrunner.http.RetryPolicy;
import org.cleverrunner.http.ServerWait;
import org.cleverrunner.http.Sleeper;
import org.cleverrunner.coordinator.internal.TlsSupport;
import org.cleverrunner.coordinator.payload.JobPayload;
import org.cleverrunner.coordinator.payload.PayloadJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client for the GitLab Runner API v4 ({@code /api/v4/runners}, {@code /jobs/...}), as GitLab's Rails API and
 * Workhorse expect it. Immutable and thread-safe; build one per coordinator with {@link #builder()}.
 *
 * <p>Outcomes the protocol expects (no job, a trace range mismatch, a canceled job, a too-large artifact) are
 * result values. Exceptions ({@link CoordinatorException} and subclasses) are for what a caller cannot plan for:
 * unreachable coordinator after retries, a malformed answer, a refused token on a management call. No token ever
 * appears in a log line or an exception message.
 */
public final class CoordinatorClient {

    private static final Logger LOG = LoggerFactory.getLogger(CoordinatorClient.class);

    /** GitLab Runner's policy: 5 attempts, 100 ms to 60 s, doubling. */
    public static final RetryPolicy DEFAULT_RETRY_POLICY = new RetryPolicy(5, Duration.ofMillis(100),
            Duration.ofSeconds(60), 2.0);
    private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");
    private static final MediaType TEXT = MediaType.get("text/plain");
    private static final MediaType OCTETS = MediaType.get("application/octet-stream");
    private static final int EXCERPT = 300;

    private final HttpUrl apiBase;
    private final OkHttpClient http;
    private final RunnerInfo runnerInfo;
    private final Sleeper sleeper;
    private final RequestObserver observer;
    private final Builder settings;
    private final ObjectMapper json = PayloadJson.mapper();

    private CoordinatorClient(Builder builder) {
        this.settings = builder.copy();
        this.apiBase = apiBase(builder.url);
        this.runnerInfo = builder.runnerInfo;
        this.sleeper = builder.sleeper;
        this.observer = builder.observer;
        OkHttpClient.Builder http = (builder.okHttpClient == null ? new OkHttpClient() : builder.okHttpClient)
                .newBuilder()
                .connectTimeout(builder.connectTimeout)
                .readTimeout(builder.readTimeout)
                .writeTimeout(builder.writeTimeout)
                // Redirects are followed by hand: JOB-TOKEN must never reach object storage, and the artifacts
                // upload's 307 has GitLab-specific semantics.
                .followRedirects(false)
                .followSslRedirects(false)
                .addInterceptor(new RetryInterceptor(builder.retryPolicy, ProtocolRetries.INSTANCE, builder.clock,
                        builder.sleeper, ServerWait.GITLAB_HEADERS));
        TlsSupport.apply(http, builder.tls);
        this.http = http.build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this client's settings, to derive a variant (another token, other timeouts…). */
    public Builder toBuilder() {
        return settings.copy();
    }

    /** The API base, e.g. {@code https://gitlab.example.com/api/v4/}. */
    public URI apiUrl() {
        return apiBase.uri();
    }

    public RunnerInfo runnerInfo() {
        return runnerInfo;
    }

    // ---------------------------------------------------------------- runner management

    /**
     * Registers a runner with a registration token ({@code POST /runners}).
     *
     * @throws CoordinatorForbiddenException the registration token is wrong
     * @throws RegistrationDisallowedException the instance no longer accepts registration tokens (410)
     * @throws CoordinatorHttpException a validation error (400) with the coordinator's message
     */
    public RunnerCredentials register(RegistrationRequest registration) {
        ObjectNode body = json.createObjectNode();
        body.put("token", registration.registrationToken());
        putIfPresent(body, "description", registration.description());
        putIfPresent(body, "maintenance_note", registration.maintenanceNote());
        putIfPresent(body, "access_level", registration.accessLevel());
        if (!registration.tags().isEmpty()) {
            body.put("tag_list", String.join(",", registration.tags()));
        }
        body.put("run_untagged", registration.runUntagged());
        body.put("locked", registration.locked());
        body.put("paused", registration.paused());
        if (registration.maximumTimeoutSeconds() > 0) {
            body.put("maximum_timeout", registration.maximumTimeoutSeconds());
        }
        body.set("info", json.valueToTree(runnerInfo));
        Request request = jsonRequest("POST", "runners", body, true)
                .header("RUNNER-TOKEN", registration.registrationToken()).build();
        try (Response response = execute(request, "register runner")) {
            byte[] bytes = bytes(response);
            return switch (response.code()) {
                case 201 -> credentials(response, bytes, "register runner");
                case 403 -> throw new CoordinatorForbiddenException(
                        "registration token refused (403): check the registration token"
                                + coordinatorMessage(bytes, registration.registrationToken()),
                        Redactor.excerpt(bytes, EXCERPT, registration.registrationToken()));
                case 410 -> throw new RegistrationDisallowedException(
                        "this instance no longer accepts registration tokens (410): create the runner in GitLab"
                                + " and use its glrt- token", Redactor.excerpt(bytes, EXCERPT));
                default -> throw unexpected("register runner", response, bytes, registration.registrationToken());
            };
        }
    }

    /**
     * Checks a runner token and creates the runner-manager record for {@code systemId} ({@code POST
     * /runners/verify}); the way to register a {@code glrt-} token created in GitLab's UI.
     *
     * @throws CoordinatorForbiddenException the token is not valid (or the runner is orphaned)
     */
    public RunnerCredentials verify(String runnerToken, String systemId) {
        Objects.requireNonNull(runnerToken, "runnerToken");
        ObjectNode body = json.createObjectNode();
        body.put("token", runnerToken);
        putIfPresent(body, "system_id", systemId);
        body.set("info", json.valueToTree(runnerInfo));
        Request request = jsonRequest("POST", "runners/verify", body, true).header("RUNNER-TOKEN", runnerToken).build();
        try (Response response = execute(request, "verify runner")) {
            byte[] bytes = bytes(response);
            return switch (response.code()) {
                case 200, 201 -> isJson(response) ? credentials(response, bytes, "verify runner")
                        : new RunnerCredentials(0, runnerToken, null); // legacy servers answer the text "200"
                case 403, 422 -> throw new CoordinatorForbiddenException("runner token refused (" + response.code()
                        + ")" + coordinatorMessage(bytes, runnerToken), Redactor.excerpt(bytes, EXCERPT, runnerToken));
                default -> throw unexpected("verify runner", response, bytes, runnerToken);
            };
        }
    }

    /**
     * Deletes the runner ({@code DELETE /runners}).
     *
     * @throws CoordinatorForbiddenException the token is not valid
     */
    public void unregister(String runnerToken) {
        Objects.requireNonNull(runnerToken, "runnerToken");
        ObjectNode body = json.createObjectNode();
        body.put("token", runnerToken);
        Request request = jsonRequest("DELETE", "runners", body, false).header("RUNNER-TOKEN", runnerToken).build();
        try (Response response = execute(request, "unregister runner")) {
            byte[] bytes = bytes(response);
            switch (response.code()) {
                case 204, 200 -> {
                    return;
                }
                case 403 -> throw new CoordinatorForbiddenException("runner token refused (403)"
                        + coordinatorMessage(bytes, runnerToken), Redactor.excerpt(bytes, EXCERPT, runnerToken));
                default -> throw unexpected("unregister runner", response, bytes, runnerToken);
            }
        }
    }

    /**
     * Deletes this machine's runner-manager record ({@code DELETE /runners/managers}).
     *
     * @return false if the coordinator did not know that manager (404)
     */
    public boolean unregisterManager(String runnerToken, String systemId) {
        Objects.requireNonNull(runnerToken, "runnerToken");
        Objects.requireNonNull(systemId, "systemId");
        ObjectNode body = json.createObjectNode();
        body.put("token", runnerToken);
        body.put("system_id", systemId);
        Request request = jsonRequest("DELETE", "runners/managers", body, false)
                .header("RUNNER-TOKEN", runnerToken).build();
        try (Response response = execute(request, "unregister runner manager")) {
            byte[] bytes = bytes(response);
            return switch (response.code()) {
                case 204, 200 -> true;
                case 404 -> false;
                case 403 -> throw new CoordinatorForbiddenException("runner token refused (403)"
                        + coordinatorMessage(bytes, runnerToken), Redactor.excerpt(bytes, EXCERPT, runnerToken));
                default -> throw unexpected("unregister runner manager", response, bytes, runnerToken);
            };
        }
    }

    /**
     * Replaces the runner token ({@code POST /runners/reset_authentication_token}); the old one stops working.
     *
     * @return the new token and its expiry; the id is 0 as the coordinator does not send it
     */
    public RunnerCredentials resetToken(String runnerToken) {
        Objects.requireNonNull(runnerToken, "runnerToken");
        ObjectNode body = json.createObjectNode();
        body.put("token", runnerToken);
        Request request = jsonRequest("POST", "runners/reset_authentication_token", body, true).build();
        return tokenReset(request, runnerToken, 0, GitLabTokens.shortToken(runnerToken));
    }

    /** Replaces a runner's token with a personal access token ({@code POST /runners/:id/reset_authentication_token}). */
    public RunnerCredentials resetTokenWithPersonalAccessToken(long runnerId, String personalAccessToken) {
        Objects.requireNonNull(personalAccessToken, "personalAccessToken");
        Request request = baseRequest("runners/" + runnerId + "/reset_authentication_token", true)
                .post(RequestBody.create(new byte[0], null))
                .header("PRIVATE-TOKEN", personalAccessToken).build();
        return tokenReset(request, personalAccessToken, runnerId, null);
    }

    private RunnerCredentials tokenReset(Request request, String secret, long runnerId, String runner) {
        RequestObserver.Call call = new RequestObserver.Call(RequestObserver.Endpoint.RESET_TOKEN, "POST", runner,
                null, 0);
        try (Response response = observed(call, request, "reset runner token")) {
            byte[] bytes = bytes(response);
            return switch (response.code()) {
                case 201, 200 -> {
                    RunnerCredentials credentials = credentials(response, bytes, "reset runner token");
                    yield new RunnerCredentials(runnerId, credentials.token(), credentials.tokenExpiresAt());
                }
                case 403 -> throw new CoordinatorForbiddenException("token refused (403)"
                        + coordinatorMessage(bytes, secret), Redactor.excerpt(bytes, EXCERPT, secret));
                default -> throw unexpected("reset runner token", response, bytes, secret);
            };
        }
    }

    // ---------------------------------------------------------------- jobs

    /**
     * Asks for a job ({@code POST /jobs/request}). With a {@code lastUpdate} the coordinator may hold the request
     * open until the runner's queue changes (long polling), so the read timeout must exceed the coordinator's
     * long-polling duration (GitLab's default: 50 s). A coordinator that gives no useful answer once the retries are
     * spent (no connection, a dropped one, a timeout, 408, 429, 5xx) is {@link JobRequestResult.Unavailable}, so
     * that a polling loop can tell an outage from an empty queue; a TLS failure is still thrown.
     */
    public JobRequestResult requestJob(JobRequest jobRequest) {
        RequestObserver.Call call = new RequestObserver.Call(RequestObserver.Endpoint.REQUEST_JOB, "POST",
                GitLabTokens.shortToken(jobRequest.runnerToken()), jobRequest.systemId(), 0);
        notifyStarted(call);
        int[] status = {0};
        JobRequestResult result = null;
        try {
            result = requestJob(jobRequest, status);
            return result;
        } finally {
            notifyFinished(result instanceof JobRequestResult.JobReceived received
                    ? call.withJobId(received.job().id()) : call, status[0]);
        }
    }

    /** {@link #requestJob(JobRequest)}; {@code answered[0]} gets the status of the answer, if one came. */
    private JobRequestResult requestJob(JobRequest jobRequest, int[] answered) {
        ObjectNode body = json.createObjectNode();
        body.set("info", json.valueToTree(runnerInfo));
        body.put("token", jobRequest.runnerToken());
        putIfPresent(body, "system_id", jobRequest.systemId());
        putIfPresent(body, "last_update", jobRequest.lastUpdate());
        Request request = jsonRequest("POST", "jobs/request", body, true)
                .header("RUNNER-TOKEN", jobRequest.runnerToken()).build();
        Response response;
        byte[] bytes;
        try {
            response = execute(request, "request job");
            answered[0] = response.code();
            try {
                bytes = bytes(response);
            } catch (CoordinatorTransportException e) {
                response.close();
                throw e;
            }
        } catch (CoordinatorTransportException e) {
            if (Thread.currentThread().isInterrupted() || e.getCause() instanceof javax.net.ssl.SSLException) {
                // interrupted, or a TLS failure (unknown CA, wrong certificate): not an outage, a setup problem
                throw e;
            }
            // no answer at all once the retries are spent: an outage, not an error of this runner
            return new JobRequestResult.Unavailable(0, e.getMessage(), Optional.empty(), Optional.empty());
        }
        try (response) {
            Optional<String> lastUpdate = Optional.ofNullable(response.header("X-GitLab-Last-Update"))
                    .filter(v -> !v.isEmpty());
            int status = response.code();
            if (status == 201) {
                requireJson(response, bytes, "request job", jobRequest.runnerToken());
                JobPayload job;
                try {
                    job = PayloadJson.parseJob(bytes);
                } catch (InvalidJobPayloadException e) {
                    throw e.withResponse(status, Redactor.excerpt(bytes, EXCERPT, jobRequest.runnerToken()));
                }
                LOG.debug("received job {}", job.id());
                return new JobRequestResult.JobReceived(job, lastUpdate);
            }
            if (status == 204 || status == 409) {
                return new JobRequestResult.NoJob(status, lastUpdate);
            }
            if (ProtocolRetries.isRetryableStatus(status)) {
                return new JobRequestResult.Unavailable(status, "answered " + status
                        + coordinatorMessage(bytes, jobRequest.runnerToken()), serverWait(response), lastUpdate);
            }
            String message = "job request refused (" + status + ")" + coordinatorMessage(bytes, jobRequest.runnerToken());
            LOG.warn(message);
            return new JobRequestResult.Rejected(status, message, lastUpdate);
        }
    }

    /**
     * Reports a job's state ({@code PUT /jobs/:id}). Call it with {@link JobUpdate#running()} right after a job is
     * received (two-phase commit), then as a keep-alive, then with the final state. A final state answered with
     * {@link JobUpdateResult.Outcome#NOT_COMPLETED} (202) must be repeated; {@link TraceUploader#complete} does that.
     */
    public JobUpdateResult updateJob(long jobId, String jobToken, JobUpdate update) {
        Objects.requireNonNull(jobToken, "jobToken");
        ObjectNode body = json.createObjectNode();
        body.set("info", json.valueToTree(runnerInfo));
        body.put("token", jobToken);
        body.put("state", update.state().wireName());
        if (update.failureReason() != null) {
            body.put("failure_reason", update.failureReason().wireName());
        }
        if (update.traceChecksum() != null) {
            body.put("checksum", update.traceChecksum());
        }
        ObjectNode output = body.putObject("output");
        if (update.traceChecksum() != null) {
            output.put("checksum", update.traceChecksum());
        }
        output.put("bytesize", update.traceBytesize());
        if (update.exitCode() != null && update.exitCode() != 0) {
            body.put("exit_code", update.exitCode());
        }
        Request request = jsonRequest("PUT", "jobs/" + jobId, body, false).header("JOB-TOKEN", jobToken).build();
        RequestObserver.Call call = new RequestObserver.Call(RequestObserver.Endpoint.UPDATE_JOB, "PUT", null, null,
                jobId);
        try (Response response = observed(call, request, "update job " + jobId)) {
            RemoteJobStatus remote = remoteStatus(response);
            int status = response.code();
            JobUpdateResult.Outcome outcome;
            if (remote.abortRequested() || status == 403 || status == 404) {
                outcome = JobUpdateResult.Outcome.ABORT;
            } else {
                // As GitLab Runner: Job-Status: canceling is a flag beside the state, so a 202 stays "accepted,
                // not completed" and is repeated, which is what moves a canceling job to canceled.
                outcome = switch (status) {
                    case 200 -> remote.cancelRequested() ? JobUpdateResult.Outcome.CANCEL_REQUESTED
                            : JobUpdateResult.Outcome.ACCEPTED;
                    case 202 -> JobUpdateResult.Outcome.NOT_COMPLETED;
                    case 412 -> JobUpdateResult.Outcome.TRACE_RESET;
                    case 409 -> JobUpdateResult.Outcome.CONFLICT;
                    default -> JobUpdateResult.Outcome.FAILED;
                };
            }
            LOG.debug("job {} update {} -> {} {}{}", jobId, update.state().wireName(), status, outcome,
                    remote.jobStatus().map(s -> " (Job-Status " + s + ")").orElse(""));
            return new JobUpdateResult(outcome, status, remote,
                    ProtocolRetries.isRetryableStatus(status) ? serverWait(response) : Optional.empty());
        }
    }

    /**
     * Appends {@code length} bytes of trace at {@code offset} ({@code PATCH /jobs/:id/trace}). Never call it with
     * an empty patch. See {@link TraceUploader} for the incremental loop with resynchronisation.
     */
    public TracePatchResult patchTrace(long jobId, String jobToken, long offset, byte[] bytes, int from, int length) {
        Objects.requireNonNull(jobToken, "jobToken");
        if (length <= 0) {
            throw new IllegalArgumentException("a trace patch must not be empty");
        }
        Request request = baseRequest("jobs/" + jobId + "/trace", false)
                .patch(RequestBody.create(bytes, TEXT, from, length))
                .header("JOB-TOKEN", jobToken)
                .header("Content-Range", offset + "-" + (offset + length - 1))
                .build();
        RequestObserver.Call call = new RequestObserver.Call(RequestObserver.Endpoint.PATCH_TRACE, "PATCH", null,
                null, jobId);
        try (Response response = observed(call, request, "patch trace of job " + jobId)) {
            RemoteJobStatus remote = remoteStatus(response);
            int status = response.code();
            long end = offset + length;
            TracePatchResult.Outcome outcome;
            long nextOffset = offset;
            if (remote.abortRequested() || status == 403) {
                outcome = TracePatchResult.Outcome.ABORT;
            } else if (status == 202 || status == 200) {
                nextOffset = rangeEnd(response).orElse(end);
                outcome = remote.cancelRequested() ? TracePatchResult.Outcome.CANCEL_REQUESTED
                        : TracePatchResult.Outcome.ACCEPTED;
            } else if (status == 416) {
                Optional<Long> serverSize = rangeEnd(response);
                outcome = serverSize.isPresent() ? TracePatchResult.Outcome.RANGE_MISMATCH
                        : TracePatchResult.Outcome.FAILED;
                nextOffset = serverSize.orElse(offset);
            } else if (status == 404) {
                outcome = TracePatchResult.Outcome.NOT_FOUND;
            } else {
                outcome = TracePatchResult.Outcome.FAILED;
            }
            LOG.debug("job {} trace patch {}+{} -> {} {}", jobId, offset, length, status, outcome);
            return new TracePatchResult(outcome, nextOffset, status, remote);
        }
    }

    // ---------------------------------------------------------------- artifacts

    /**
     * Uploads an artifacts archive ({@code POST /jobs/:id/artifacts}), streamed as multipart. A 307 moves the
     * upload to the redirect's scheme and host with the same path, as GitLab Runner does. 413 and 403 are final.
     */
    public ArtifactUploadResult uploadArtifacts(long jobId, String jobToken, ArtifactUpload upload) {
        Objects.requireNonNull(jobToken, "jobToken");
        HttpUrl target = artifactsUrl(apiBase, jobId, upload);
        for (int redirects = 0; ; redirects++) {
            RequestBody file = streamingBody(upload.source());
            MultipartBody multipart = new MultipartBody.Builder().setType(MultipartBody.FORM)
                    .addFormDataPart("file", upload.filename(), file).build();
            Request request = commonHeaders(new Request.Builder().url(target), false)
                    .post(multipart).header("JOB-TOKEN", jobToken).build();
            try (Response response = execute(request, "upload artifacts of job " + jobId)) {
                byte[] bytes = bytes(response);
                int status = response.code();
                String message = Redactor.excerpt(bytes, EXCERPT, jobToken);
                if (status == 307 && redirects < 3 && upload.source().repeatable()) {
                    HttpUrl location = redirectTarget(response);
                    if (location != null) {
                        // GitLab Runner keeps only the redirect's scheme and host and retries the same path there.
                        target = target.newBuilder().scheme(location.scheme()).host(location.host())
                                .port(location.port()).build();
                        LOG.debug("artifacts upload of job {} redirected to {}", jobId, location.host());
                        continue;
                    }
                }
                ArtifactUploadResult.Outcome outcome = switch (status) {
                    case 201, 200 -> ArtifactUploadResult.Outcome.UPLOADED;
                    case 413 -> ArtifactUploadResult.Outcome.TOO_LARGE;
                    case 403 -> ArtifactUploadResult.Outcome.FORBIDDEN;
                    default -> ArtifactUploadResult.Outcome.FAILED;
                };
                LOG.debug("artifacts upload of job {} -> {} {}", jobId, status, outcome);
                return new ArtifactUploadResult(outcome, status, message);
            }
        }
    }

    /**
     * Downloads a dependency's artifacts ({@code GET /jobs/:id/artifacts}) into {@code target}, atomically: the file
     * appears only when complete. {@code jobToken} is the running job's own token. With {@code directDownload},
     * the coordinator may redirect to object storage, which is followed without sending the job token there.
     */
    public ArtifactDownloadResult downloadArtifacts(long dependencyJobId, String jobToken, Path target,
            boolean directDownload) {
        Path partial = target.resolveSibling(target.getFileName() + ".part");
        try {
            ArtifactDownloadResult result;
            try (OutputStream out = Files.newOutputStream(partial)) {
                result = downloadArtifacts(dependencyJobId, jobToken, out, directDownload);
            }
            if (result.outcome() == ArtifactDownloadResult.Outcome.DOWNLOADED) {
                Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            return result;
        } catch (IOException e) {
            throw new CoordinatorTransportException("cannot write the artifacts of job " + dependencyJobId + " to "
                    + target + ": " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(partial);
            } catch (IOException ignored) {
                // best effort: the partial file is in the caller's directory
            }
        }
    }

    /** The same, streaming into {@code out}, which the caller closes. */
    public ArtifactDownloadResult downloadArtifacts(long dependencyJobId, String jobToken, OutputStream out,
            boolean directDownload) {
        Objects.requireNonNull(jobToken, "jobToken");
        HttpUrl.Builder url = apiBase.newBuilder().addPathSegments("jobs/" + dependencyJobId + "/artifacts");
        if (directDownload) {
            url.addQueryParameter("direct_download", "true");
        }
        Request request = commonHeaders(new Request.Builder().url(url.build()), false).get()
                .header("JOB-TOKEN", jobToken).build();
        String what = "download artifacts of job " + dependencyJobId;
        Response response = execute(request, what);
        try {
            for (int redirects = 0; isRedirect(response.code()) && redirects < 5; redirects++) {
                HttpUrl location = redirectTarget(response);
                response.close();
                if (location == null) {
                    return new ArtifactDownloadResult(ArtifactDownloadResult.Outcome.FAILED, 502, 0);
                }
                // Object storage gets no JOB-TOKEN: the signed URL is its own authorisation.
                LOG.debug("artifacts of job {} redirected to {}", dependencyJobId, location.host());
                response = execute(new Request.Builder().url(location).get()
                        .header("User-Agent", settings.userAgent).build(), what);
            }
            int status = response.code();
            ArtifactDownloadResult.Outcome outcome = switch (status) {
                case 200 -> ArtifactDownloadResult.Outcome.DOWNLOADED;
                case 404 -> ArtifactDownloadResult.Outcome.NOT_FOUND;
                case 401 -> ArtifactDownloadResult.Outcome.UNAUTHORIZED;
                case 403 -> ArtifactDownloadResult.Outcome.FORBIDDEN;
                default -> ArtifactDownloadResult.Outcome.FAILED;
            };
            if (outcome != ArtifactDownloadResult.Outcome.DOWNLOADED) {
                return new ArtifactDownloadResult(outcome, status, 0);
            }
            long copied;
            try (InputStream in = response.body().byteStream()) {
                copied = in.transferTo(out);
            } catch (IOException e) {
                throw new CoordinatorTransportException("connection lost while downloading the artifacts of job "
                        + dependencyJobId + ": " + e.getMessage(), e);
            }
            return new ArtifactDownloadResult(outcome, status, copied);
        } finally {
            response.close();
        }
    }

    // ---------------------------------------------------------------- plumbing

    private Request.Builder baseRequest(String path, boolean acceptJson) {
        return commonHeaders(new Request.Builder().url(apiBase.newBuilder().addPathSegments(path).build()), acceptJson);
    }

    private Request.Builder commonHeaders(Request.Builder builder, boolean acceptJson) {
        builder.header("User-Agent", settings.userAgent)
                .header("X-Request-Id", UUID.randomUUID().toString().replace("-", ""));
        if (acceptJson) {
            builder.header("Accept", "application/json");
        }
        return builder;
    }

    private Request.Builder jsonRequest(String method, String path, JsonNode body, boolean acceptJson) {
        try {
            return baseRequest(path, acceptJson).method(method, RequestBody.create(json.writeValueAsBytes(body), JSON));
        } catch (JsonProcessingException e) {
            throw new CoordinatorException("cannot encode the " + path + " request", e);
        }
    }

    /** {@link #execute} told to the observer: one started, one finished (status 0 when no answer came). */
    private Response observed(RequestObserver.Call call, Request request, String what) {
        notifyStarted(call);
        int status = 0;
        try {
            Response response = execute(request, what);
            status = response.code();
            return response;
        } finally {
            notifyFinished(call, status);
        }
    }

    private void notifyStarted(RequestObserver.Call call) {
        try {
            observer.started(call);
        } catch (RuntimeException e) {
            LOG.debug("request observer failed on {}: {}", call.endpoint().label(), e.toString());
        }
    }

    private void notifyFinished(RequestObserver.Call call, int status) {
        try {
            observer.finished(call, status);
        } catch (RuntimeException e) {
            LOG.debug("request observer failed on {}: {}", call.endpoint().label(), e.toString());
        }
    }

    private Response execute(Request request, String what) {
        long started = System.nanoTime();
        try {
            Response response = http.newCall(request).execute();
            LOG.debug("{} {} -> {} ({} ms)", request.method(), request.url().encodedPath(), response.code(),
                    (System.nanoTime() - started) / 1_000_000);
            return response;
        } catch (IOException e) {
            // OkHttp's messages name hosts and ports, never headers or bodies, so they are safe to keep.
            throw new CoordinatorTransportException("cannot " + what + " at " + apiBase.host() + ":" + apiBase.port()
                    + ": " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage()), e);
        }
    }

    private static byte[] bytes(Response response) {
        ResponseBody body = response.body();
        try {
            return body.bytes();
        } catch (IOException e) {
            throw new CoordinatorTransportException("connection lost while reading the answer to "
                    + response.request().method() + " " + response.request().url().encodedPath(), e);
        }
    }

    private RunnerCredentials credentials(Response response, byte[] bytes, String what) {
        requireJson(response, bytes, what);
        JsonNode node = readJson(response, bytes, what);
        JsonNode token = node.get("token");
        if (token == null || !token.isTextual() || token.asText().isEmpty()) {
            throw new CoordinatorResponseException("the answer to " + what + " lacks a token", response.code(),
                    Redactor.excerpt(bytes, EXCERPT), null);
        }
        OffsetDateTime expires = null;
        JsonNode expiry = node.get("token_expires_at");
        if (expiry != null && expiry.isTextual() && !expiry.asText().isEmpty()) {
            try {
                expires = OffsetDateTime.parse(expiry.asText());
            } catch (java.time.format.DateTimeParseException e) {
                throw new CoordinatorResponseException("the answer to " + what + " has an unreadable token_expires_at",
                        response.code(), Redactor.excerpt(bytes, EXCERPT), null);
            }
        }
        return new RunnerCredentials(node.path("id").asLong(0), token.asText(), expires);
    }

    private JsonNode readJson(Response response, byte[] bytes, String what) {
        try {
            JsonNode node = json.readTree(bytes);
            if (node == null || !node.isObject()) {
                throw new CoordinatorResponseException("the answer to " + what + " is not a JSON object",
                        response.code(), Redactor.excerpt(bytes, EXCERPT), null);
            }
            return node;
        } catch (IOException e) {
            throw new CoordinatorResponseException("the answer to " + what + " is not valid JSON", response.code(),
                    Redactor.excerpt(bytes, EXCERPT), null);
        }
    }

    private static void requireJson(Response response, byte[] bytes, String what, String... secrets) {
        if (!isJson(response)) {
            throw new CoordinatorResponseException("the answer to " + what + " is not JSON (Content-Type "
                    + response.header("Content-Type") + ")", response.code(), Redactor.excerpt(bytes, EXCERPT, secrets),
                    null);
        }
    }

    private static boolean isJson(Response response) {
        MediaType type = response.body().contentType();
        return type != null && "application".equals(type.type()) && "json".equals(type.subtype());
    }

    /** The coordinator's {@code message}, as " : message", masked; empty when there is none. */
    private String coordinatorMessage(byte[] bytes, String... secrets) {
        try {
            JsonNode node = json.readTree(bytes);
            if (node != null && node.has("message")) {
                JsonNode message = node.get("message");
                String text = message.isTextual() ? message.asText() : message.toString();
                return ": " + Redactor.redact(text, secrets);
            }
        } catch (IOException ignored) {
            // not JSON: the excerpt carries what there is
        }
        return bytes.length == 0 ? "" : ": " + Redactor.excerpt(bytes, 120, secrets);
    }

    private CoordinatorHttpException unexpected(String what, Response response, byte[] bytes, String... secrets) {
        return new CoordinatorHttpException("unexpected answer to " + what + ": " + response.code()
                + coordinatorMessage(bytes, secrets), response.code(), Redactor.excerpt(bytes, EXCERPT, secrets));
    }

    private static RemoteJobStatus remoteStatus(Response response) {
        Optional<String> jobStatus = Optional.ofNullable(response.header("Job-Status")).map(String::strip)
                .filter(s -> !s.isEmpty());
        Optional<Duration> interval = Optional.empty();
        String header = response.header("X-GitLab-Trace-Update-Interval");
        if (header != null) {
            try {
                long seconds = Long.parseLong(header.strip());
                if (seconds > 0) {
                    Duration asked = Duration.ofSeconds(seconds);
                    interval = Optional.of(asked.compareTo(RemoteJobStatus.MAX_UPDATE_INTERVAL) > 0
                            ? RemoteJobStatus.MAX_UPDATE_INTERVAL : asked);
                }
            } catch (NumberFormatException ignored) {
                // an unreadable interval is no interval
            }
        }
        return new RemoteJobStatus(jobStatus, interval);
    }

    /** What {@code RateLimit-ResetTime} or {@code Retry-After} ask for. */
    private Optional<Duration> serverWait(Response response) {
        return ServerWait.of(response::header, settings.clock, ServerWait.GITLAB_HEADERS);
    }

    /** The number after '-' in a {@code Range: 0-<size>} header: the coordinator's trace size. */
    private static Optional<Long> rangeEnd(Response response) {
        String range = response.header("Range");
        if (range == null) {
            return Optional.empty();
        }
        int dash = range.lastIndexOf('-');
        try {
            return Optional.of(Long.parseLong(range.substring(dash + 1).strip()));
        } catch (NumberFormatException | IndexOutOfBoundsException e) {
            return Optional.empty();
        }
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    private static HttpUrl redirectTarget(Response response) {
        String location = response.header("Location");
        return location == null ? null : response.request().url().resolve(location);
    }

    private static HttpUrl artifactsUrl(HttpUrl base, long jobId, ArtifactUpload upload) {
        HttpUrl.Builder url = base.newBuilder().addPathSegments("jobs/" + jobId + "/artifacts")
                .addQueryParameter("artifact_format", upload.artifactFormat())
                .addQueryParameter("artifact_type", upload.artifactType());
        if (upload.expireIn() != null && !upload.expireIn().isBlank()) {
            url.addQueryParameter("expire_in", upload.expireIn());
        }
        return url.build();
    }

    /** A body that streams from the source at write time; one-shot unless the source can be reopened. */
    private static RequestBody streamingBody(ArtifactSource source) {
        return new RequestBody() {
            @Override
            public MediaType contentType() {
                return OCTETS;
            }

            @Override
            public long contentLength() {
                return source.length();
            }

            @Override
            public boolean isOneShot() {
                return !source.repeatable();
            }

            @Override
            public void writeTo(BufferedSink sink) throws IOException {
                try (Source in = Okio.source(source.open())) {
                    sink.writeAll(in);
                }
            }
        };
    }

    void pause(Duration duration) {
        sleep(duration);
    }

    /** The clock of this client's settings: waits and horizons are measured on it. */
    Clock clock() {
        return settings.clock;
    }

    /** How {@link TraceUploader#complete(JobState, FailureReason, Integer)} repeats a final update. */
    public FinalUpdatePolicy finalUpdatePolicy() {
        return settings.finalUpdatePolicy;
    }

    private void sleep(Duration duration) {
        try {
            sleeper.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CoordinatorTransportException("interrupted while waiting to repeat a job update", e);
        }
    }

    private static void putIfPresent(ObjectNode node, String field, String value) {
        if (value != null && !value.isEmpty()) {
            node.put(field, value);
        }
    }

    /**
     * GitLab Runner's URL rule: trim a trailing {@code /} and {@code /ci}, then append {@code /api/v4/}; http and
     * https only.
     */
    static HttpUrl apiBase(String url) {
        Objects.requireNonNull(url, "url");
        String trimmed = url.strip();
        while (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        if (trimmed.endsWith("/ci")) {
            trimmed = trimmed.substring(0, trimmed.length() - 3);
        }
        HttpUrl parsed = HttpUrl.parse(trimmed + "/api/v4/");
        if (parsed == null || !(trimmed.startsWith("http://") || trimmed.startsWith("https://"))) {
            throw new IllegalArgumentException("coordinator URL must be an http or https URL, got '"
                    + Redactor.redact(url) + "'");
        }
        if (!parsed.username().isEmpty() || !parsed.password().isEmpty()) {
            throw new IllegalArgumentException("coordinator URL must not contain credentials");
        }
        return parsed;
    }

    /** Settings for a {@link CoordinatorClient}; every timeout is a {@link Duration}. */
    public static final class Builder {
        private String url;
        private RunnerInfo runnerInfo = RunnerInfo.defaults();
        private String userAgent = "clever-runner " + ClientVersion.VERSION + " (java " + Runtime.version().feature()
                + "; " + System.getProperty("os.name") + "/" + System.getProperty("os.arch") + ")";
        private Duration connectTimeout = Duration.ofSeconds(30);
        private Duration readTimeout = Duration.ofMinutes(2);
        private Duration writeTimeout = Duration.ofMinutes(2);
        private RetryPolicy retryPolicy = DEFAULT_RETRY_POLICY;
        private TlsOptions tls;
        private OkHttpClient okHttpClient;
        private Clock clock = Clock.systemUTC();
        private Sleeper sleeper = Sleeper.SYSTEM;
        private FinalUpdatePolicy finalUpdatePolicy = FinalUpdatePolicy.DEFAULT;
        private RequestObserver observer = RequestObserver.NONE;

        private Builder() {
        }

        /** The coordinator's URL as users write it ({@code https://gitlab.example.com}, with or without /ci). */
        public Builder url(String url) {
            this.url = Objects.requireNonNull(url, "url");
            apiBase(url);
            return this;
        }

        public Builder url(URI url) {
            return url(Objects.requireNonNull(url, "url").toString());
        }

        /** The identity and features sent as {@code info}; defaults to {@link RunnerInfo#defaults()}. */
        public Builder runnerInfo(RunnerInfo runnerInfo) {
            this.runnerInfo = Objects.requireNonNull(runnerInfo, "runnerInfo");
            return this;
        }

        public Builder userAgent(String userAgent) {
            this.userAgent = Objects.requireNonNull(userAgent, "userAgent");
            return this;
        }

        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = Objects.requireNonNull(timeout, "connectTimeout");
            return this;
        }

        /** How long to wait for an answer; must exceed the coordinator's long-polling time (50 s on GitLab). */
        public Builder readTimeout(Duration timeout) {
            this.readTimeout = Objects.requireNonNull(timeout, "readTimeout");
            return this;
        }

        public Builder writeTimeout(Duration timeout) {
            this.writeTimeout = Objects.requireNonNull(timeout, "writeTimeout");
            return this;
        }

        public Builder retryPolicy(RetryPolicy retryPolicy) {
            this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
            return this;
        }

        public Builder tls(TlsOptions tls) {
            this.tls = tls;
            return this;
        }

        /** A base OkHttp client to derive from (shares its pool and dispatcher); timeouts here still apply. */
        public Builder okHttpClient(OkHttpClient okHttpClient) {
            this.okHttpClient = okHttpClient;
            return this;
        }

        /** The clock used to read {@code RateLimit-ResetTime} dates and to measure the final update's horizon. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * How long and how often a job's final update is repeated until the coordinator takes it; defaults to
         * {@link FinalUpdatePolicy#DEFAULT} (a day).
         */
        public Builder finalUpdatePolicy(FinalUpdatePolicy policy) {
            this.finalUpdatePolicy = Objects.requireNonNull(policy, "finalUpdatePolicy");
            return this;
        }

        /** Told of each request_job, update_job, patch_trace and reset_token call (metrics); none by default. */
        public Builder observer(RequestObserver observer) {
            this.observer = Objects.requireNonNull(observer, "observer");
            return this;
        }

        /** How waits between attempts are spent; for tests. */
        public Builder sleeper(Sleeper sleeper) {
            this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
            return this;
        }

        public CoordinatorClient build() {
            Objects.requireNonNull(url, "url");
            return new CoordinatorClient(this);
        }

        Builder copy() {
            Builder copy = new Builder();
            copy.url = url;
            copy.runnerInfo = runnerInfo;
            copy.userAgent = userAgent;
            copy.connectTimeout = connectTimeout;
            copy.readTimeout = readTimeout;
            copy.writeTimeout = writeTimeout;
            copy.retryPolicy = retryPolicy;
            copy.tls = tls;
            copy.okHttpClient = okHttpClient;
            copy.clock = clock;
            copy.sleeper = sleeper;
            copy.finalUpdatePolicy = finalUpdatePolicy;
            copy.observer = observer;
            return copy;
        }
    }
}
