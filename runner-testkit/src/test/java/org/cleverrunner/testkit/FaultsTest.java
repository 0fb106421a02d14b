package org.cleverrunner.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.cleverrunner.testkit.TestHttp.header;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FaultsTest {

    private FakeCoordinator fake;
    private TestHttp http;
    private RunnerHandle runner;

    @BeforeEach
    void start() {
        fake = FakeCoordinator.builder().longPollTimeout(Duration.ofMillis(500)).start();
        http = new TestHttp(fake);
        runner = fake.addRunner("glrt-faults", Set.of(), true);
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    private JobHandle runningJob() {
        JobHandle job = fake.enqueue(Jobs.job("faulty"));
        assertThat(http.requestJob(runner.token()).statusCode()).isEqualTo(201);
        assertThat(http.updateJob(job, "running", "").statusCode()).isEqualTo(200);
        return job;
    }

    @Test
    void serviceUnavailableTwiceThenNormal() {
        JobHandle job = runningJob();
        fake.faults().next(Endpoint.TRACE_PATCH, 2).respond(503);

        HttpResponse<byte[]> first = http.patchTrace(job, 0, "abc");
        HttpResponse<byte[]> second = http.patchTrace(job, 0, "abc");
        HttpResponse<byte[]> third = http.patchTrace(job, 0, "abc");

        assertThat(first.statusCode()).isEqualTo(503);
        assertThat(TestHttp.tree(first).get("message").asText()).isEqualTo("503 Service Unavailable");
        assertThat(second.statusCode()).isEqualTo(503);
        assertThat(third.statusCode()).isEqualTo(202);
        assertThat(fake.traceText(job.id())).isEqualTo("abc");
        assertThat(fake.requests(Endpoint.TRACE_PATCH)).extracting(RecordedRequest::status)
                .containsExactly(503, 503, 202);
        assertThat(fake.faults().pending(Endpoint.TRACE_PATCH)).isZero();
    }

    @Test
    void tooManyRequestsCarriesRetryAfter() {
        fake.faults().next(Endpoint.JOB_REQUEST).respond(429, Map.of("Retry-After", "1"));
        HttpResponse<byte[]> limited = http.requestJob(runner.token());
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(header(limited, "Retry-After")).isEqualTo("1");
        assertThat(http.requestJob(runner.token()).statusCode()).isEqualTo(204);
    }

    @Test
    void droppedConnectionGivesTheClientAnIoException() throws Exception {
        JobHandle job = runningJob();
        fake.faults().next(Endpoint.JOB_UPDATE).dropConnection();
        HttpRequest put = http.request("jobs/" + job.id()).header("Content-Type", "application/json")
                .header("JOB-TOKEN", job.token())
                .PUT(HttpRequest.BodyPublishers.ofString("{\"state\":\"success\"}")).build();

        assertThatThrownBy(() -> http.sendOrThrow(put)).isInstanceOf(IOException.class);
        assertThat(fake.job(job.id()).state()).isEqualTo(JobState.RUNNING);
        assertThat(fake.requests(Endpoint.JOB_UPDATE)).last()
                .satisfies(r -> assertThat(r.status()).isEqualTo(RecordedRequest.DROPPED));

        assertThat(http.sendOrThrow(put).statusCode()).isEqualTo(200);
        assertThat(fake.job(job.id()).state()).isEqualTo(JobState.SUCCESS);
    }

    @Test
    void delayThenNormalAndRangeMismatch() {
        JobHandle job = runningJob();
        assertThat(http.patchTrace(job, 0, "12345").statusCode()).isEqualTo(202);
        fake.faults().next(Endpoint.TRACE_PATCH).delay(Duration.ofMillis(300))
                .next(Endpoint.TRACE_PATCH).respondRangeMismatch();

        long t0 = System.nanoTime();
        HttpResponse<byte[]> delayed = http.patchTrace(job, 5, "678");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(delayed.statusCode()).isEqualTo(202);

        HttpResponse<byte[]> mismatch = http.patchTrace(job, 8, "9");
        assertThat(mismatch.statusCode()).isEqualTo(416);
        assertThat(header(mismatch, "Range")).isEqualTo("0-8");
        assertThat(fake.traceText(job.id())).isEqualTo("12345678");
    }

    @Test
    void requestsAreRecordedWithCaseInsensitiveHeaders() {
        http.requestJob(runner.token());
        RecordedRequest request = fake.requests(Endpoint.JOB_REQUEST).get(0);
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/api/v4/jobs/request");
        assertThat(request.header("runner-token")).isEqualTo(runner.token());
        assertThat(request.header("RUNNER-TOKEN")).isEqualTo(runner.token());
        assertThat(request.bodyText()).contains("\"token\"");
        assertThat(request.status()).isEqualTo(204);
        assertThat(request.toString()).doesNotContain(runner.token());

        assertThat(http.json("GET", "nope", "").statusCode()).isEqualTo(404);
        assertThat(fake.requests(Endpoint.UNKNOWN)).hasSize(1);
    }
}
