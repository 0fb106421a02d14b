package org.cleverrunner.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.cleverrunner.http.Sleeper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The final PUT /jobs/:id on the wire: 202 is "accepted, not completed" whatever Job-Status says. */
class FinalUpdateWireTest {

    static final String JOB_TOKEN = "glcbt-64_finalupdatejobtoken";
    static final ObjectMapper JSON = new ObjectMapper();

    MockWebServer server;
    CoordinatorClient client;
    List<Duration> waits = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = new MockWebServer();
        server.start(0);
        Sleeper recording = waits::add;
        client = CoordinatorClient.builder().url(server.url("/").toString()).sleeper(recording).build();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    static MockResponse answer(int code, String jobStatus, String interval) {
        MockResponse.Builder builder = new MockResponse.Builder().code(code).setHeader("Job-Status", jobStatus)
                .body(String.valueOf(code));
        if (interval != null) {
            builder.setHeader("X-GitLab-Trace-Update-Interval", interval);
        }
        return builder.build();
    }

    @Test
    void a202WithJobStatusCancelingIsNotCompleted() {
        server.enqueue(answer(202, "canceling", "3"));
        JobUpdateResult result = client.updateJob(7, JOB_TOKEN, JobUpdate.failed(FailureReason.UNKNOWN_FAILURE, null,
                "crc32:00000000", 0));
        assertThat(result.outcome()).isEqualTo(JobUpdateResult.Outcome.NOT_COMPLETED);
        assertThat(result.isFinalAnswer()).isFalse();
        assertThat(result.remote().updateInterval()).contains(Duration.ofSeconds(3));
    }

    @Test
    void a200WithJobStatusCancelingStillAsksForTheCancelOfARunningJob() {
        server.enqueue(answer(200, "canceling", null));
        JobUpdateResult result = client.updateJob(7, JOB_TOKEN, JobUpdate.running("crc32:00000000", 0));
        assertThat(result.outcome()).isEqualTo(JobUpdateResult.Outcome.CANCEL_REQUESTED);
    }

    @Test
    void theFinalUpdateIsRepeatedOn202CancelingUntil200WithChecksumAndSizeEachTime() throws Exception {
        TraceBuffer trace = new TraceBuffer();
        trace.append("after_script on cancel\n");
        server.enqueue(new MockResponse.Builder().code(202).setHeader("Range", "0-" + trace.size())
                .setHeader("Job-Status", "canceling").build());
        server.enqueue(answer(202, "canceling", "2"));
        server.enqueue(answer(202, "canceling", "2"));
        server.enqueue(answer(200, "canceled", null));
        TraceUploader uploader = new TraceUploader(client, 7, JOB_TOKEN, trace);

        FinalUpdateResult result = uploader.complete(JobState.FAILED, FailureReason.JOB_CANCELED, null);

        assertThat(result.outcome()).isEqualTo(FinalUpdateResult.Outcome.DELIVERED);
        assertThat(result.lastStatus()).isEqualTo(200);
        assertThat(server.takeRequest(5, TimeUnit.SECONDS).getMethod()).isEqualTo("PATCH");
        for (int i = 0; i < 3; i++) {
            RecordedRequest put = server.takeRequest(5, TimeUnit.SECONDS);
            assertThat(put).as("PUT number " + (i + 1)).isNotNull();
            assertThat(put.getMethod()).isEqualTo("PUT");
            JsonNode body = JSON.readTree(put.getBody().utf8());
            assertThat(body.get("state").asText()).isEqualTo("failed");
            assertThat(body.at("/output/checksum").asText()).isEqualTo(trace.checksum());
            assertThat(body.at("/output/bytesize").asLong()).isEqualTo(trace.size());
        }
        assertThat(waits).contains(Duration.ofSeconds(2));
    }

    @Test
    void aJobRequestToAnUnavailableCoordinatorIsUnavailableNotNoJob() throws Exception {
        for (int i = 0; i < CoordinatorClient.DEFAULT_RETRY_POLICY.maxAttempts(); i++) {
            server.enqueue(new MockResponse.Builder().code(503).setHeader("Retry-After", "7")
                    .body("{\"message\":\"503 down for glrt-unavailable0001\"}").build());
        }
        JobRequestResult result = client.requestJob(new JobRequest("glrt-unavailable0001", null, null));
        assertThat(result).isInstanceOfSatisfying(JobRequestResult.Unavailable.class, down -> {
            assertThat(down.status()).isEqualTo(503);
            assertThat(down.retryAfter()).contains(Duration.ofSeconds(7));
            assertThat(down.reason()).contains("503").doesNotContain("unavailable0001");
        });
        assertThat(server.getRequestCount()).isEqualTo(CoordinatorClient.DEFAULT_RETRY_POLICY.maxAttempts());

        server.close();
        JobRequestResult noAnswer = client.requestJob(new JobRequest("glrt-unavailable0001", null, null));
        assertThat(noAnswer).isInstanceOfSatisfying(JobRequestResult.Unavailable.class, down -> {
            assertThat(down.status()).isZero();
            assertThat(down.reason()).doesNotContain("unavailable0001");
        });
    }

    @Test
    void a429JobRequestIsUnavailableAndA409IsStillNoJob() {
        for (int i = 0; i < CoordinatorClient.DEFAULT_RETRY_POLICY.maxAttempts(); i++) {
            server.enqueue(new MockResponse.Builder().code(429).build());
        }
        assertThat(client.requestJob(new JobRequest("glrt-x0000001", null, null)))
                .isInstanceOf(JobRequestResult.Unavailable.class);
        server.enqueue(new MockResponse.Builder().code(409).build());
        assertThat(client.requestJob(new JobRequest("glrt-x0000001", null, null)))
                .isInstanceOf(JobRequestResult.NoJob.class);
    }

    @Test
    void theDurableFinalUpdateHonoursRetryAfterAndReportsDelivery() {
        TraceBuffer trace = new TraceBuffer();
        trace.append("x");
        server.enqueue(new MockResponse.Builder().code(202).setHeader("Range", "0-1").build());
        for (int i = 0; i < CoordinatorClient.DEFAULT_RETRY_POLICY.maxAttempts(); i++) {
            server.enqueue(new MockResponse.Builder().code(429).setHeader("Retry-After", "30").build());
        }
        server.enqueue(answer(202, "canceling", "4"));
        server.enqueue(answer(200, "canceled", null));
        FinalUpdateResult result = new TraceUploader(client, 7, JOB_TOKEN, trace)
                .complete(JobState.FAILED, FailureReason.JOB_CANCELED, null);
        assertThat(result.outcome()).isEqualTo(FinalUpdateResult.Outcome.DELIVERED);
        assertThat(result.attempts()).isEqualTo(3);
        assertThat(result.lastStatus()).isEqualTo(200);
        assertThat(waits).contains(Duration.ofSeconds(30), Duration.ofSeconds(4));
    }

    @Test
    void aClientErrorOnTheFinalUpdateIsARefusalNotARetry() {
        server.enqueue(new MockResponse.Builder().code(400).body("{\"message\":\"400 bad state\"}").build());
        FinalUpdateResult result = new TraceUploader(client, 7, JOB_TOKEN, new TraceBuffer())
                .complete(JobState.SUCCESS, null, null);
        assertThat(result.outcome()).isEqualTo(FinalUpdateResult.Outcome.REFUSED);
        assertThat(result.attempts()).isEqualTo(1);
        assertThat(server.getRequestCount()).isEqualTo(1);
    }

    @Test
    @Timeout(30) // a PUT sent too early meets an empty answer queue and waits for ever
    void noFinalStateIsSentWhileTheRestOfTheTraceIsNotTaken() throws Exception {
        TraceBuffer trace = new TraceBuffer();
        trace.append("the last lines, with the error\n");
        // the trace's rest meets an outage (every retry of the client's own), then is taken
        for (int i = 0; i < CoordinatorClient.DEFAULT_RETRY_POLICY.maxAttempts(); i++) {
            server.enqueue(new MockResponse.Builder().code(503).build());
        }
        server.enqueue(new MockResponse.Builder().code(202).setHeader("Range", "0-" + trace.size())
                .setHeader("Job-Status", "running").build());
        server.enqueue(answer(200, "failed", null));

        FinalUpdateResult result = new TraceUploader(client, 7, JOB_TOKEN, trace)
                .complete(JobState.FAILED, FailureReason.SCRIPT_FAILURE, 2);

        assertThat(result.outcome()).isEqualTo(FinalUpdateResult.Outcome.DELIVERED);
        List<String> methods = new ArrayList<>();
        for (int i = 0; i < server.getRequestCount(); i++) {
            methods.add(server.takeRequest(5, TimeUnit.SECONDS).getMethod());
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < CoordinatorClient.DEFAULT_RETRY_POLICY.maxAttempts() + 1; i++) {
            expected.add("PATCH");
        }
        expected.add("PUT");
        assertThat(methods).as("the state follows the whole trace").isEqualTo(expected);
    }
}
