package org.cleverrunner.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.Buffer;
import org.cleverrunner.http.Sleeper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pins the exact wire format of every call: method, path, headers and JSON body, and how answers map. */
class CoordinatorClientWireTest {

    static final String RUNNER_TOKEN = "glrt-t1_wireformatrunnertoken";
    static final String JOB_TOKEN = "glcbt-64_wireformatjobtoken";
    static final ObjectMapper JSON = new ObjectMapper();

    MockWebServer server;
    CoordinatorClient client;
    List<Duration> waits = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = new MockWebServer();
        server.start(0);
        client = clientFor(server).build();
    }

    CoordinatorClient.Builder clientFor(MockWebServer target) {
        Sleeper recording = waits::add;
        return CoordinatorClient.builder().url(target.url("/").toString())
                .runnerInfo(RunnerInfo.defaults().withExecutor("docker", "bash"))
                .sleeper(recording);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    static MockResponse json(int code, String body) {
        return new MockResponse.Builder().code(code).setHeader("Content-Type", "application/json").body(body).build();
    }

    static MockResponse status(int code) {
        return new MockResponse.Builder().code(code).build();
    }

    RecordedRequest take() throws InterruptedException {
        RecordedRequest request = server.takeRequest(5, TimeUnit.SECONDS);
        assertThat(request).as("a request reached the server").isNotNull();
        return request;
    }

    static JsonNode body(RecordedRequest request) throws Exception {
        assertThat(request.getHeaders().get("Content-Type")).startsWith("application/json");
        return JSON.readTree(request.getBody().utf8());
    }

    static void assertCommonHeaders(RecordedRequest request) {
        assertThat(request.getHeaders().get("User-Agent")).startsWith("clever-runner ");
        assertThat(request.getHeaders().get("X-Request-Id")).matches("[0-9a-f]{32}");
    }

    // ------------------------------------------------------------------ runners

    @Test
    void registerSendsRegistrationTokenTagsAndInfo() throws Exception {
        server.enqueue(json(201, "{\"id\":12,\"token\":\"glrt-newrunnertoken\",\"token_expires_at\":null}"));

        RunnerCredentials credentials = client.register(new RegistrationRequest("GR1348941registration",
                "my runner", List.of("clever-cloud", "docker"), false, true, false, "not_protected", 3600, null));

        assertThat(credentials.id()).isEqualTo(12);
        assertThat(credentials.token()).isEqualTo("glrt-newrunnertoken");
        assertThat(credentials.tokenExpiresAt()).isNull();
        RecordedRequest request = take();
        assertThat(request.getMethod()).isEqualTo("POST");
        assertThat(request.getUrl().encodedPath()).isEqualTo("/api/v4/runners");
        assertThat(request.getHeaders().get("RUNNER-TOKEN")).isEqualTo("GR1348941registration");
        assertThat(request.getHeaders().get("Accept")).isEqualTo("application/json");
        assertCommonHeaders(request);
        JsonNode body = body(request);
        assertThat(body.get("token").asText()).isEqualTo("GR1348941registration");
        assertThat(body.get("description").asText()).isEqualTo("my runner");
        assertThat(body.get("tag_list").asText()).isEqualTo("clever-cloud,docker");
        assertThat(body.get("run_untagged").asBoolean()).isFalse();
        assertThat(body.get("locked").asBoolean()).isTrue();
        assertThat(body.get("paused").asBoolean()).isFalse();
        assertThat(body.get("access_level").asText()).isEqualTo("not_protected");
        assertThat(body.get("maximum_timeout").asLong()).isEqualTo(3600);
        assertThat(body.has("maintenance_note")).isFalse();
        assertThat(body.at("/info/name").asText()).isEqualTo("clever-runner");
        assertThat(body.at("/info/executor").asText()).isEqualTo("docker");
        assertThat(body.at("/info/features/two_phase_job_commit").asBoolean()).isTrue();
        assertThat(body.at("/info/features/cancel_gracefully").asBoolean()).isTrue();
    }

    @Test
    void registerErrorsAreTypedAndTokenFree() {
        server.enqueue(json(403, "{\"message\":\"403 Forbidden\"}"));
        assertThatThrownBy(() -> client.register(RegistrationRequest.of("GR1348941badtoken", "r", List.of())))
                .isInstanceOf(CoordinatorForbiddenException.class)
                .hasMessageContaining("403")
                .hasMessageNotContaining("badtoken");

        server.enqueue(json(410, "{\"message\":\"410 Gone\"}"));
        assertThatThrownBy(() -> client.register(RegistrationRequest.of("GR1348941oldtoken", "r", List.of())))
                .isInstanceOf(RegistrationDisallowedException.class)
                .hasMessageContaining("glrt-");

        server.enqueue(json(400, "{\"message\":{\"runner_projects.base\":"
                + "[\"Maximum number of ci registered project runners (3) exceeded\"]}}"));
        assertThatThrownBy(() -> client.register(RegistrationRequest.of("GR1348941x", "r", List.of())))
                .isInstanceOfSatisfying(CoordinatorHttpException.class, e -> assertThat(e.status()).isEqualTo(400))
                .hasMessageContaining("Maximum number of ci registered project runners (3) exceeded");
    }

    @Test
    void verifySendsTokenSystemIdAndInfo() throws Exception {
        server.enqueue(json(200, "{\"id\":7,\"token\":\"" + RUNNER_TOKEN
                + "\",\"token_expires_at\":\"2027-01-01T00:00:00.000Z\"}"));

        RunnerCredentials credentials = client.verify(RUNNER_TOKEN, "s_0123456789ab");

        assertThat(credentials.id()).isEqualTo(7);
        assertThat(credentials.tokenExpiresAt()).isEqualTo("2027-01-01T00:00:00Z");
        RecordedRequest request = take();
        assertThat(request.getMethod()).isEqualTo("POST");
        assertThat(request.getUrl().encodedPath()).isEqualTo("/api/v4/runners/verify");
        assertThat(request.getHeaders().get("RUNNER-TOKEN")).isEqualTo(RUNNER_TOKEN);
        JsonNode body = body(request);
        assertThat(body.get("token").asText()).isEqualTo(RUNNER_TOKEN);
        assertThat(body.get("system_id").asText()).isEqualTo("s_0123456789ab");
        assertThat(body.at("/info/version").isTextual()).isTrue();

        server.enqueue(json(403, "{\"message\":\"403 Forbidden - Runner is orphaned\"}"));
        assertThatThrownBy(() -> client.verify(RUNNER_TOKEN, "s_0123456789ab"))
                .isInstanceOf(CoordinatorForbiddenException.class)
                .hasMessageContaining("Runner is orphaned")
                .hasMessageNotContaining(RUNNER_TOKEN);
    }

    @Test
    void unregisterAndUnregisterManager() throws Exception {
        server.enqueue(status(204));
        client.unregister(RUNNER_TOKEN);
        RecordedRequest request = take();
        assertThat(request.getMethod()).isEqualTo("DELETE");
        assertThat(request.getUrl().encodedPath()).isEqualTo("/api/v4/runners");
        assertThat(request.getHeaders().get("RUNNER-TOKEN")).isEqualTo(RUNNER_TOKEN);
        assertThat(body(request).get("token").asText()).isEqualTo(RUNNER_TOKEN);

        server.enqueue(status(204));
        assertThat(client.unregisterManager(RUNNER_TOKEN, "s_0123456789ab")).isTrue();
        request = take();
        assertThat(request.getMethod()).isEqualTo("DELETE");
        assertThat(request.getUrl().encodedPath()).isEqualTo("/api/v4/runners/managers");
        assertThat(body(request).get("system_id").asText()).isEqualTo("s_0123456789ab");

        server.enqueue(json(404, "{\"message\":\"404 Runner manager not found\"}"));
        assertThat(client.unregisterManager(RUNNER_TOKEN, "s_0123456789ab")).isFalse();

        server.enqueue(json(403, "{\"message\":\"403 Forbidden\"}"));
        assertThatThrownBy(() -> client.unregister(RUNNER_TOKEN)).isInstanceOf(CoordinatorForbiddenException.class);
    }

    @Test
    void resetTokenWithRunnerTokenAndWithPersonalAccessToken() throws Exception {
        server.enqueue(json(201, "{\"token\":\"glrt-brandnew\",\"token_expires_at\":\"2027-02-03T04:05:06Z\"}"));
        RunnerCredentials reset = client.resetToken(RUNNER_TOKEN);
        assertThat(reset.token()).isEqualTo("glrt-brandnew");
        RecordedRequest request = take();
        assertThat(request.getUrl().encodedPath()).isEqualTo("/api/v4/runners/reset_authentication_token");
        assertThat(request.getHeaders().get("RUNNER-TOKEN")).isNull();
        assertThat(body(request).get("token").asText()).isEqualTo(RUNNER_TOKEN);

        server.enqueue(json(201, "{\"token\":\"glrt-frompat\",\"token_expires_at\":null}"));
        RunnerCredentials viaPat = client.resetTokenWithPersonalAccessToken(31, "glpat-personalaccess");
        assertThat(viaPat.id()).isEqualTo(31);
        assertThat(viaPat.token()).isEqualTo("glrt-frompat");
        request = take();
        assertThat(request.getUrl().encodedPath()).isEqualTo("/api/v4/runners/31/reset_authentication_token");
        assertThat(request.getHeaders().get("PRIVATE-TOKEN")).isEqualTo("glpat-personalaccess");
        assertThat(request.getBodySize()).isZero();
    }

    // ------------------------------------------------------------------ jobs

    @Test
    void jobRequestSendsInfoTokenSystemIdAndLastUpdate() throws Exception {
        server.enqueue(json(201, new String(JobPayloadParsingTest.resource("rails-job-full.json"),
                StandardCharsets.UTF_8)));

        JobRequestResult result = client.requestJob(new JobRequest(RUNNER_TOKEN, "s_0123456789ab", "abc123"));

        assertThat(result).isInstanceOfSatisfying(JobRequestResult.JobReceived.class,
                received -> assertThat(received.job().id()).isEqualTo(10));
        RecordedRequest request = take();
        assertThat(request.getMethod()).isEqualTo("POST");
        assertThat(request.getUrl().encodedPath()).isEqualTo("/api/v4/jobs/request");
        assertThat(request.getHeaders().get("RUNNER-TOKEN")).isEqualTo(RUNNER_TOKEN);
        assertThat(request.getHeaders().get("Accept")).isEqualTo("application/json");
        JsonNode body = body(request);
        assertThat(body.get("token").asText()).isEqualTo(RUNNER_TOKEN);
        assertThat(body.get("system_id").asText()).isEqualTo("s_0123456789ab");
        assertThat(body.get("last_update").asText()).isEqualTo("abc123");
        assertThat(body.at("/info/features/trace_checksum").asBoolean()).isTrue();
        assertThat(body.at("/info/features/trace_reset").asBoolean()).isTrue();
        // Rails hands a job whose cache has fallback_keys only to a runner advertising this
        assertThat(body.at("/info/features/fallback_cache_keys").asBoolean()).isTrue();
        assertThat(body.at("/info/shell").asText()).isEqualTo("bash");
    }

    @Test
    void jobRequestWithoutJobGivesNoJobAndTheNextLastUpdate() throws Exception {
        server.enqueue(new MockResponse.Builder().code(204).setHeader("X-GitLab-Last-Update", "queue-42").build());
        JobRequestResult result = client.requestJob(new JobRequest(RUNNER_TOKEN, null, null));
        assertThat(result).isInstanceOf(JobRequestResult.NoJob.class);
        assertThat(result.lastUpdate()).contains("queue-42");
        JsonNode body = body(take());
        assertThat(body.has("last_update")).isFalse();
        assertThat(body.has("system_id")).isFalse();

        // Workhorse's long-poll answer: 204 without the header
        server.enqueue(status(204));
        assertThat(client.requestJob(new JobRequest(RUNNER_TOKEN, null, "queue-42")).lastUpdate()).isEmpty();

        server.enqueue(json(409, "{\"message\":\"409 Conflict\"}"));
        assertThat(client.requestJob(new JobRequest(RUNNER_TOKEN, null, null)))
                .isInstanceOf(JobRequestResult.NoJob.class);
    }

    @Test
    void jobRequestRefusalIsAResultNotAnException() {
        server.enqueue(json(403, "{\"message\":\"403 Forbidden\"}"));
        JobRequestResult result = client.requestJob(new JobRequest(RUNNER_TOKEN, null, null));
        assertThat(result).isInstanceOfSatisfying(JobRequestResult.Rejected.class, rejected -> {
            assertThat(rejected.status()).isEqualTo(403);
            assertThat(rejected.message()).contains("403 Forbidden").doesNotContain(RUNNER_TOKEN);
        });
    }

    @Test
    void malformedJobAnswersAreTypedErrorsWithStatusAndMaskedExcerpt() {
        server.enqueue(new MockResponse.Builder().code(201).setHeader("Content-Type", "text/html")
                .body("<html>proxy error for " + RUNNER_TOKEN + "</html>").build());
        assertThatThrownBy(() -> client.requestJob(new JobRequest(RUNNER_TOKEN, null, null)))
                .isInstanceOfSatisfying(CoordinatorResponseException.class, e -> {
                    assertThat(e.status()).isEqualTo(201);
                    assertThat(e.bodyExcerpt()).contains("proxy error").doesNotContain(RUNNER_TOKEN);
                })
                .hasMessageContaining("not JSON");

        server.enqueue(json(201, "{\"id\":\"x\",\"token\":\"" + JOB_TOKEN + "\"}"));
        assertThatThrownBy(() -> client.requestJob(new JobRequest(RUNNER_TOKEN, null, null)))
                .isInstanceOfSatisfying(InvalidJobPayloadException.class, e -> {
                    assertThat(e.field()).isEqualTo("id");
                    assertThat(e.status()).isEqualTo(201);
                    assertThat(e.bodyExcerpt()).doesNotContain(JOB_TOKEN);
                });
    }

    @Test
    void updateJobSendsStateReasonExitCodeAndTraceChecksum() throws Exception {
        server.enqueue(new MockResponse.Builder().code(200).setHeader("Job-Status", "running").body("200").build());

        JobUpdateResult result = client.updateJob(10, JOB_TOKEN,
                JobUpdate.failed(FailureReason.SCRIPT_FAILURE, 3, "crc32:1a2b3c4d", 1234));

        assertThat(result.outcome()).isEqualTo(JobUpdateResult.Outcome.ACCEPTED);
        assertThat(result.remote().jobStatus()).contains("running");
        RecordedRequest request = take();
        assertThat(request.getMethod()).isEqualTo("PUT");
        assertThat(request.getUrl().encodedPath()).isEqualTo("/api/v4/jobs/10");
        assertThat(request.getHeaders().get("JOB-TOKEN")).isEqualTo(JOB_TOKEN);
        assertThat(request.getHeaders().get("Accept")).isNull();
        JsonNode body = body(request);
        assertThat(body.get("token").asText()).isEqualTo(JOB_TOKEN);
        assertThat(body.get("state").asText()).isEqualTo("failed");
        assertThat(body.get("failure_reason").asText()).isEqualTo("script_failure");
        assertThat(body.get("exit_code").asInt()).isEqualTo(3);
        assertThat(body.get("checksum").asText()).isEqualTo("crc32:1a2b3c4d");
        assertThat(body.at("/output/checksum").asText()).isEqualTo("crc32:1a2b3c4d");
        assertThat(body.at("/output/bytesize").asLong()).isEqualTo(1234);
        assertThat(body.get("info").isObject()).isTrue();
    }

    @Test
    void runningConfirmationOmitsEmptyFieldsButAlwaysSendsOutput() throws Exception {
        server.enqueue(status(200));
        client.updateJob(10, JOB_TOKEN, JobUpdate.running());
        JsonNode body = body(take());
        assertThat(body.get("state").asText()).isEqualTo("running");
        assertThat(body.has("failure_reason")).isFalse();
        assertThat(body.has("exit_code")).isFalse();
        assertThat(body.has("checksum")).isFalse();
        assertThat(body.at("/output/bytesize").asLong()).isZero();

        server.enqueue(status(200));
        client.updateJob(10, JOB_TOKEN, new JobUpdate(JobState.SUCCESS, null, 0, "crc32:00000000", 0));
        assertThat(body(take()).has("exit_code")).as("exit code 0 is omitted").isFalse();
    }

    @Test
    void updateJobAnswersMapAsGitLabRunnerMapsThem() {
        server.enqueue(new MockResponse.Builder().code(200).setHeader("Job-Status", "canceling").build());
        assertThat(client.updateJob(10, JOB_TOKEN, JobUpdate.running()).outcome())
                .isEqualTo(JobUpdateResult.Outcome.CANCEL_REQUESTED);

        server.enqueue(new MockResponse.Builder().code(200).setHeader("Job-Status", "canceled").build());
        assertThat(client.updateJob(10, JOB_TOKEN, JobUpdate.running()).outcome())
                .isEqualTo(JobUpdateResult.Outcome.ABORT);

        server.enqueue(new MockResponse.Builder().code(202).setHeader("X-GitLab-Trace-Update-Interval", "7").build());
        JobUpdateResult accepted = client.updateJob(10, JOB_TOKEN, JobUpdate.success("crc32:00000000", 0));
        assertThat(accepted.outcome()).isEqualTo(JobUpdateResult.Outcome.NOT_COMPLETED);
        assertThat(accepted.remote().updateInterval()).contains(Duration.ofSeconds(7));

        server.enqueue(new MockResponse.Builder().code(200).setHeader("X-GitLab-Trace-Update-Interval", "99999")
                .build());
        assertThat(client.updateJob(10, JOB_TOKEN, JobUpdate.running()).remote().updateInterval())
                .as("capped at 15 minutes").contains(Duration.ofMinutes(15));

        server.enqueue(json(403, "{\"message\":\"403 Forbidden - Job is not running\"}"));
        assertThat(client.updateJob(10, JOB_TOKEN, JobUpdate.running()).outcome())
                .isEqualTo(JobUpdateResult.Outcome.ABORT);
        server.enqueue(status(412));
        assertThat(client.updateJob(10, JOB_TOKEN, JobUpdate.running()).outcome())
                .isEqualTo(JobUpdateResult.Outcome.TRACE_RESET);
        server.enqueue(status(409));
        assertThat(client.updateJob(10, JOB_TOKEN, JobUpdate.running()).outcome())
                .isEqualTo(JobUpdateResult.Outcome.CONFLICT);
        server.enqueue(status(404));
        assertThat(client.updateJob(10, JOB_TOKEN, JobUpdate.running()).outcome())
                .isEqualTo(JobUpdateResult.Outcome.ABORT);
    }

    @Test
    void patchTraceSendsContentRangeAndRawBytes() throws Exception {
        server.enqueue(new MockResponse.Builder().code(202).setHeader("Range", "0-15")
                .setHeader("Job-Status", "running").setHeader("X-GitLab-Trace-Update-Interval", "3").build());
        byte[] bytes = "xxhello, trace!\n".getBytes(StandardCharsets.UTF_8);

        TracePatchResult result = client.patchTrace(10, JOB_TOKEN, 1, bytes, 2, 14);

        assertThat(result.outcome()).isEqualTo(TracePatchResult.Outcome.ACCEPTED);
        assertThat(result.offset()).isEqualTo(15);
        assertThat(result.remote().updateInterval()).contains(Duration.ofSeconds(3));
        RecordedRequest request = take();
        assertThat(request.getMethod()).isEqualTo("PATCH");
        assertThat(request.getUrl().encodedPath()).isEqualTo("/api/v4/jobs/10/trace");
        assertThat(request.getHeaders().get("Content-Range")).isEqualTo("1-14");
        assertThat(request.getHeaders().get("Content-Type")).isEqualTo("text/plain");
        assertThat(request.getHeaders().get("JOB-TOKEN")).isEqualTo(JOB_TOKEN);
        assertThat(request.getBody().utf8()).isEqualTo("hello, trace!\n");
    }

    @Test
    void patchTraceAnswersMapToResults() {
        server.enqueue(new MockResponse.Builder().code(416).setHeader("Range", "0-11").build());
        TracePatchResult mismatch = client.patchTrace(10, JOB_TOKEN, 20, new byte[] {1}, 0, 1);
        assertThat(mismatch.outcome()).isEqualTo(TracePatchResult.Outcome.RANGE_MISMATCH);
        assertThat(mismatch.offset()).isEqualTo(11);

        server.enqueue(new MockResponse.Builder().code(202).setHeader("Range", "0-21")
                .setHeader("Job-Status", "canceling").build());
        TracePatchResult canceling = client.patchTrace(10, JOB_TOKEN, 20, new byte[] {1}, 0, 1);
        assertThat(canceling.outcome()).isEqualTo(TracePatchResult.Outcome.CANCEL_REQUESTED);
        assertThat(canceling.offset()).isEqualTo(21);

        server.enqueue(new MockResponse.Builder().code(403).setHeader("Job-Status", "canceled").build());
        assertThat(client.patchTrace(10, JOB_TOKEN, 20, new byte[] {1}, 0, 1).outcome())
                .isEqualTo(TracePatchResult.Outcome.ABORT);
        server.enqueue(status(404));
        assertThat(client.patchTrace(10, JOB_TOKEN, 20, new byte[] {1}, 0, 1).outcome())
                .isEqualTo(TracePatchResult.Outcome.NOT_FOUND);
        assertThatThrownBy(() -> client.patchTrace(10, JOB_TOKEN, 0, new byte[0], 0, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // ------------------------------------------------------------------ artifacts

    @Test
    void uploadStreamsMultipartWithFormatTypeAndExpiryInTheQuery(@TempDir Path dir) throws Exception {
        Path archive = dir.resolve("artifacts.zip");
        byte[] content = new byte[300_000];
        new java.util.Random(1).nextBytes(content);
        Files.write(archive, content);
        server.enqueue(status(201));

        ArtifactUploadResult result = client.uploadArtifacts(10, JOB_TOKEN,
                ArtifactUpload.archive("artifacts.zip", ArtifactSource.ofFile(archive), "7d"));

        assertThat(result.outcome()).isEqualTo(ArtifactUploadResult.Outcome.UPLOADED);
        RecordedRequest request = take();
        assertThat(request.getMethod()).isEqualTo("POST");
        assertThat(request.getUrl().encodedPath()).isEqualTo("/api/v4/jobs/10/artifacts");
        assertThat(request.getUrl().queryParameter("artifact_format")).isEqualTo("zip");
        assertThat(request.getUrl().queryParameter("artifact_type")).isEqualTo("archive");
        assertThat(request.getUrl().queryParameter("expire_in")).isEqualTo("7d");
        assertThat(request.getHeaders().get("JOB-TOKEN")).isEqualTo(JOB_TOKEN);
        assertThat(request.getHeaders().get("Content-Type")).startsWith("multipart/form-data; boundary=");
        String multipart = request.getBody().string(StandardCharsets.ISO_8859_1);
        assertThat(multipart).contains("Content-Disposition: form-data; name=\"file\"; filename=\"artifacts.zip\"");
        assertThat(request.getBody().indexOf(okio.ByteString.of(content))).isPositive();
    }

    @Test
    void uploadOfAStreamIsChunkedAndNeverRetried() throws Exception {
        server.enqueue(status(503));
        byte[] content = "zip bytes".getBytes(StandardCharsets.UTF_8);

        ArtifactUploadResult result = client.uploadArtifacts(10, JOB_TOKEN, new ArtifactUpload("junit.xml.gz",
                ArtifactSource.ofStream(new ByteArrayInputStream(content)), "junit", "gzip", null));

        assertThat(result.outcome()).isEqualTo(ArtifactUploadResult.Outcome.FAILED);
        assertThat(server.getRequestCount()).isEqualTo(1);
        RecordedRequest request = take();
        assertThat(request.getHeaders().get("Transfer-Encoding")).isEqualTo("chunked");
        assertThat(request.getUrl().queryParameter("artifact_type")).isEqualTo("junit");
        assertThat(request.getUrl().queryParameter("artifact_format")).isEqualTo("gzip");
        assertThat(request.getUrl().queryParameter("expire_in")).isNull();
    }

    @Test
    void uploadTooLargeAndForbiddenAreFinal(@TempDir Path dir) throws Exception {
        Path archive = Files.write(dir.resolve("a.zip"), new byte[10]);
        server.enqueue(json(413, "{\"message\":\"413 Request Entity Too Large\"}"));
        assertThat(client.uploadArtifacts(10, JOB_TOKEN, ArtifactUpload.archive("a.zip", ArtifactSource.ofFile(archive),
                null)).outcome()).isEqualTo(ArtifactUploadResult.Outcome.TOO_LARGE);
        server.enqueue(json(403, "{\"message\":\"403 Forbidden\"}"));
        assertThat(client.uploadArtifacts(10, JOB_TOKEN, ArtifactUpload.archive("a.zip", ArtifactSource.ofFile(archive),
                null)).outcome()).isEqualTo(ArtifactUploadResult.Outcome.FORBIDDEN);
        assertThat(server.getRequestCount()).isEqualTo(2);
    }

    @Test
    void uploadFollowsA307ToTheNewHostKeepingThePath(@TempDir Path dir) throws Exception {
        try (MockWebServer other = new MockWebServer()) {
            other.start(0);
            other.enqueue(status(201));
            server.enqueue(new MockResponse.Builder().code(307)
                    .setHeader("Location", other.url("/somewhere/else?x=1")).build());
            Path archive = Files.write(dir.resolve("a.zip"), "PK".getBytes(StandardCharsets.UTF_8));

            ArtifactUploadResult result = client.uploadArtifacts(10, JOB_TOKEN,
                    ArtifactUpload.archive("a.zip", ArtifactSource.ofFile(archive), "1d"));

            assertThat(result.outcome()).isEqualTo(ArtifactUploadResult.Outcome.UPLOADED);
            RecordedRequest redirected = other.takeRequest(5, TimeUnit.SECONDS);
            assertThat(redirected.getUrl().encodedPath()).isEqualTo("/api/v4/jobs/10/artifacts");
            assertThat(redirected.getUrl().queryParameter("expire_in")).isEqualTo("1d");
            assertThat(redirected.getHeaders().get("JOB-TOKEN")).isEqualTo(JOB_TOKEN);
            assertThat(redirected.getBody().utf8()).contains("PK");
        }
    }

    @Test
    void downloadFollowsTheObjectStorageRedirectWithoutTheJobToken(@TempDir Path dir) throws Exception {
        try (MockWebServer storage = new MockWebServer()) {
            storage.start(0);
            storage.enqueue(new MockResponse.Builder().code(200).body(new Buffer().write(new byte[] {1, 2, 3, 4}))
                    .build());
            server.enqueue(new MockResponse.Builder().code(302)
                    .setHeader("Location", storage.url("/bucket/artifacts.zip?X-Amz-Signature=abc")).build());
            Path target = dir.resolve("deps.zip");

            ArtifactDownloadResult result = client.downloadArtifacts(9, JOB_TOKEN, target, true);

            assertThat(result.outcome()).isEqualTo(ArtifactDownloadResult.Outcome.DOWNLOADED);
            assertThat(result.bytes()).isEqualTo(4);
            assertThat(Files.readAllBytes(target)).containsExactly(1, 2, 3, 4);
            assertThat(Files.exists(dir.resolve("deps.zip.part"))).isFalse();
            RecordedRequest request = take();
            assertThat(request.getMethod()).isEqualTo("GET");
            assertThat(request.getUrl().encodedPath()).isEqualTo("/api/v4/jobs/9/artifacts");
            assertThat(request.getUrl().queryParameter("direct_download")).isEqualTo("true");
            assertThat(request.getHeaders().get("JOB-TOKEN")).isEqualTo(JOB_TOKEN);
            RecordedRequest atStorage = storage.takeRequest(5, TimeUnit.SECONDS);
            assertThat(atStorage.getUrl().queryParameter("X-Amz-Signature")).isEqualTo("abc");
            assertThat(atStorage.getHeaders().get("JOB-TOKEN")).isNull();
        }
    }

    @Test
    void downloadFailuresAreResultsAndLeaveNoFile(@TempDir Path dir) {
        server.enqueue(json(404, "{\"message\":\"404 Not Found\"}"));
        Path target = dir.resolve("x.zip");
        assertThat(client.downloadArtifacts(9, JOB_TOKEN, target, false).outcome())
                .isEqualTo(ArtifactDownloadResult.Outcome.NOT_FOUND);
        assertThat(target).doesNotExist();
        server.enqueue(status(401));
        assertThat(client.downloadArtifacts(9, JOB_TOKEN, new ByteArrayOutputStream(), false).outcome())
                .isEqualTo(ArtifactDownloadResult.Outcome.UNAUTHORIZED);
        server.enqueue(status(403));
        assertThat(client.downloadArtifacts(9, JOB_TOKEN, new ByteArrayOutputStream(), false).outcome())
                .isEqualTo(ArtifactDownloadResult.Outcome.FORBIDDEN);
    }

    // ------------------------------------------------------------------ retries

    @Test
    void retriesRetryableStatusesWithGrowingBackoff() {
        server.enqueue(status(503));
        server.enqueue(status(502));
        server.enqueue(status(500));
        server.enqueue(new MockResponse.Builder().code(204).setHeader("X-GitLab-Last-Update", "v2").build());

        JobRequestResult result = client.requestJob(new JobRequest(RUNNER_TOKEN, null, null));

        assertThat(result.lastUpdate()).contains("v2");
        assertThat(server.getRequestCount()).isEqualTo(4);
        assertThat(waits).hasSize(3);
        assertThat(waits.get(0)).isBetween(Duration.ofMillis(50), Duration.ofMillis(100));
        assertThat(waits.get(1)).isBetween(Duration.ofMillis(100), Duration.ofMillis(200));
        assertThat(waits.get(2)).isBetween(Duration.ofMillis(200), Duration.ofMillis(400));
    }

    @Test
    void givesUpAfterFiveAttempts() {
        for (int i = 0; i < 6; i++) {
            server.enqueue(status(504));
        }
        JobUpdateResult result = client.updateJob(10, JOB_TOKEN, JobUpdate.running());
        assertThat(result.outcome()).isEqualTo(JobUpdateResult.Outcome.FAILED);
        assertThat(result.status()).isEqualTo(504);
        assertThat(server.getRequestCount()).isEqualTo(5);
    }

    @Test
    void honoursRetryAfterAndRateLimitResetTime() {
        Instant now = Instant.parse("2026-11-28T10:00:00Z");
        client = clientFor(server).clock(Clock.fixed(now, ZoneOffset.UTC)).build();
        server.enqueue(new MockResponse.Builder().code(429).setHeader("Retry-After", "2").build());
        server.enqueue(new MockResponse.Builder().code(429)
                .setHeader("RateLimit-ResetTime", "Sat, 28 Nov 2026 10:00:07 GMT").setHeader("Retry-After", "60")
                .build());
        server.enqueue(new MockResponse.Builder().code(429).setHeader("Retry-After", "3600").build());
        server.enqueue(status(200));

        assertThat(client.updateJob(10, JOB_TOKEN, JobUpdate.running()).outcome())
                .isEqualTo(JobUpdateResult.Outcome.ACCEPTED);

        assertThat(waits).containsExactly(Duration.ofSeconds(2), Duration.ofSeconds(7),
                Duration.ofSeconds(60)); // the server's hour is capped at the policy's maximum backoff
    }

    @Test
    void doesNotRetryClientErrors() {
        server.enqueue(json(400, "{\"message\":\"400 Bad request - state is invalid\"}"));
        assertThat(client.updateJob(10, JOB_TOKEN, JobUpdate.running()).status()).isEqualTo(400);
        assertThat(server.getRequestCount()).isEqualTo(1);
        assertThat(waits).isEmpty();
    }

    @Test
    void unreachableCoordinatorIsUnavailableAfterRetries() throws Exception {
        int port = server.getPort();
        server.close();
        CoordinatorClient offline = CoordinatorClient.builder().url("http://127.0.0.1:" + port)
                .sleeper(waits::add).connectTimeout(Duration.ofSeconds(2)).build();
        assertThat(offline.requestJob(new JobRequest(RUNNER_TOKEN, null, null)))
                .isInstanceOfSatisfying(JobRequestResult.Unavailable.class, down -> {
                    assertThat(down.status()).isZero();
                    assertThat(down.reason()).contains("request job").doesNotContain(RUNNER_TOKEN);
                });
        assertThat(waits).hasSize(4);
        // other calls still throw: only the job request, asked in a loop, turns an outage into a result
        assertThatThrownBy(() -> offline.updateJob(1, JOB_TOKEN, JobUpdate.running()))
                .isInstanceOf(CoordinatorTransportException.class)
                .hasMessageNotContaining(JOB_TOKEN);
    }

    // ------------------------------------------------------------------ configuration

    @Test
    void normalisesTheCoordinatorUrlAsGitLabRunnerDoes() {
        assertThat(CoordinatorClient.builder().url("https://gitlab.example.com/ci/").build().apiUrl())
                .hasToString("https://gitlab.example.com/api/v4/");
        assertThat(CoordinatorClient.builder().url("https://example.com/gitlab//").build().apiUrl())
                .hasToString("https://example.com/gitlab/api/v4/");
        assertThatThrownBy(() -> CoordinatorClient.builder().url("ftp://gitlab.example.com"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http or https");
        assertThatThrownBy(() -> CoordinatorClient.builder().url("https://user:glpat-secret@gitlab.example.com"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("glpat-secret");
        assertThatThrownBy(() -> CoordinatorClient.builder().build()).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("url");
    }

    @Test
    void derivedClientKeepsSettings() {
        CoordinatorClient derived = client.toBuilder().readTimeout(Duration.ofSeconds(5)).build();
        assertThat(derived.apiUrl()).isEqualTo(client.apiUrl());
        assertThat(derived.runnerInfo()).isEqualTo(client.runnerInfo());
    }
}
