package org.cleverrunner.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.cleverrunner.http.RetryPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The observer hook of {@link CoordinatorClient.Builder#observer}: one started and one finished per call of the
 * endpoints gitlab-runner measures, with its endpoint labels, the lower-case method, the runner's short token (never
 * the token), the system id and the job, and the status the client acted on after its retries.
 */
class RequestObserverWireTest {

    static final String RUNNER_TOKEN = "glrt-t1_observedrunnertoken";
    static final String JOB_TOKEN = "glcbt-64_observedjobtoken";

    MockWebServer server;
    final List<String> events = Collections.synchronizedList(new ArrayList<>());

    final RequestObserver recording = new RequestObserver() {
        @Override
        public void started(Call call) {
            events.add("start " + describe(call));
        }

        @Override
        public void finished(Call call, int status) {
            events.add("end " + describe(call) + " " + status);
        }
    };

    static String describe(RequestObserver.Call call) {
        return call.endpoint().label() + " " + call.method() + " " + call.runner() + " " + call.systemId() + " "
                + call.jobId();
    }

    @BeforeEach
    void start() throws Exception {
        server = new MockWebServer();
        server.start(0);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    CoordinatorClient client(RequestObserver observer) {
        return CoordinatorClient.builder().url(server.url("/").toString()).observer(observer).sleeper(wait -> { })
                .retryPolicy(new RetryPolicy(2, Duration.ofMillis(1), Duration.ofMillis(1), 1.0)).build();
    }

    static MockResponse status(int code) {
        return new MockResponse.Builder().code(code).build();
    }

    @Test
    void everyMeasuredCallIsStartedThenFinishedWithGitLabRunnersLabels() throws Exception {
        CoordinatorClient client = client(recording);
        server.enqueue(status(204));
        server.enqueue(new MockResponse.Builder().code(201).setHeader("Content-Type", "application/json")
                .body(new String(JobPayloadParsingTest.resource("rails-job-full.json"), StandardCharsets.UTF_8))
                .build());
        server.enqueue(status(200));
        server.enqueue(new MockResponse.Builder().code(202).setHeader("Range", "0-2").build());
        server.enqueue(new MockResponse.Builder().code(201).setHeader("Content-Type", "application/json")
                .body("{\"token\":\"glrt-brandnew\",\"token_expires_at\":null}").build());

        client.requestJob(new JobRequest(RUNNER_TOKEN, "s_0123456789ab", null));
        client.requestJob(new JobRequest(RUNNER_TOKEN, "s_0123456789ab", null));
        client.updateJob(10, JOB_TOKEN, JobUpdate.running());
        client.patchTrace(10, JOB_TOKEN, 0, "hi\n".getBytes(StandardCharsets.UTF_8), 0, 3);
        client.resetToken(RUNNER_TOKEN);

        assertThat(events).containsExactly(
                "start request_job post observedr s_0123456789ab 0",
                "end request_job post observedr s_0123456789ab 0 204",
                "start request_job post observedr s_0123456789ab 0",
                // the job it received, so that its updates can be told to its runner
                "end request_job post observedr s_0123456789ab 10 201",
                "start update_job put null null 10",
                "end update_job put null null 10 200",
                "start patch_trace patch null null 10",
                "end patch_trace patch null null 10 202",
                "start reset_token post observedr null 0",
                "end reset_token post observedr null 0 201");
        assertThat(String.join("\n", events)).doesNotContain("observedrunnertoken").doesNotContain("observedjobtoken");
    }

    @Test
    void retriesAreInsideOneCallAndNoAnswerFinishesWithZero() {
        CoordinatorClient client = client(recording);
        server.enqueue(status(503));
        server.enqueue(status(503));
        JobRequestResult result = client.requestJob(new JobRequest(RUNNER_TOKEN, null, null));
        assertThat(result).isInstanceOf(JobRequestResult.Unavailable.class);
        assertThat(server.getRequestCount()).isEqualTo(2);
        assertThat(events).containsExactly("start request_job post observedr null 0",
                "end request_job post observedr null 0 503");

        events.clear();
        server.close(); // nothing listens any more: no answer at all
        assertThatThrownBy(() -> client.updateJob(10, JOB_TOKEN, JobUpdate.running()))
                .isInstanceOf(CoordinatorTransportException.class);
        assertThat(events).containsExactly("start update_job put null null 10", "end update_job put null null 10 0");
    }

    @Test
    void anObserverThatThrowsDoesNotBreakTheCall() {
        CoordinatorClient client = client(new RequestObserver() {
            @Override
            public void started(Call call) {
                throw new IllegalStateException("observer bug");
            }
        });
        server.enqueue(status(204));
        assertThat(client.requestJob(new JobRequest(RUNNER_TOKEN, null, null)))
                .isInstanceOf(JobRequestResult.NoJob.class);
    }
}
