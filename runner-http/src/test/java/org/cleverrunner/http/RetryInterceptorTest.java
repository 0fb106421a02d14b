package org.cleverrunner.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The shared interceptor over a real HTTP server: the client's rule, the server's waits, one-shot bodies. */
class RetryInterceptorTest {

    static final RetryInterceptor.Rule SERVER_ERRORS = new RetryInterceptor.Rule() {
        @Override
        public boolean retries(Request request, int status) {
            return status >= 500;
        }

        @Override
        public boolean retries(Request request, IOException failure) {
            return true;
        }
    };

    MockWebServer server;
    final List<Duration> waits = new ArrayList<>();
    OkHttpClient client;

    @BeforeEach
    void start() throws IOException {
        server = new MockWebServer();
        server.start(0);
        client = new OkHttpClient.Builder().addInterceptor(new RetryInterceptor(
                new RetryPolicy(3, Duration.ofMillis(100), Duration.ofSeconds(5), 2.0), SERVER_ERRORS,
                Clock.systemUTC(), waits::add, ServerWait.RETRY_AFTER)).build();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void retriesWhatTheRuleSaysWithTheServersWaitCappedAndStopsAtTheLimit() throws Exception {
        server.enqueue(new MockResponse.Builder().code(503).setHeader("Retry-After", "3600").build());
        server.enqueue(new MockResponse.Builder().code(500).build());
        server.enqueue(new MockResponse.Builder().code(502).build());

        try (Response response = client.newCall(new Request.Builder().url(server.url("/x?sig=s3cr3t")).build())
                .execute()) {
            assertThat(response.code()).isEqualTo(502);
        }
        assertThat(server.getRequestCount()).isEqualTo(3);
        assertThat(waits.get(0)).as("an hour asked, the policy's maximum waited").isEqualTo(Duration.ofSeconds(5));
        assertThat(waits.get(1)).isBetween(Duration.ofMillis(100), Duration.ofMillis(200));

        server.enqueue(new MockResponse.Builder().code(404).build());
        try (Response response = client.newCall(new Request.Builder().url(server.url("/y")).build()).execute()) {
            assertThat(response.code()).as("the rule does not retry a 404").isEqualTo(404);
        }
        assertThat(server.getRequestCount()).isEqualTo(4);
    }

    @Test
    void aRequestsOwnPolicyWinsAndAOneShotBodyIsSentOnce() throws Exception {
        server.enqueue(new MockResponse.Builder().code(500).build());
        server.enqueue(new MockResponse.Builder().code(200).build());
        Request once = new Request.Builder().url(server.url("/once")).tag(RetryPolicy.class, RetryPolicy.NONE).build();
        try (Response response = client.newCall(once).execute()) {
            assertThat(response.code()).isEqualTo(500);
        }
        server.takeRequest();

        RequestBody stream = new RequestBody() {
            @Override
            public MediaType contentType() {
                return MediaType.get("application/octet-stream");
            }

            @Override
            public boolean isOneShot() {
                return true;
            }

            @Override
            public void writeTo(BufferedSink sink) throws IOException {
                sink.writeUtf8("streamed");
            }
        };
        server.enqueue(new MockResponse.Builder().code(503).build());
        try (Response response = client.newCall(new Request.Builder().url(server.url("/upload")).post(stream).build())
                .execute()) {
            assertThat(response.code()).isEqualTo(200).as("the 200 left from before answers: not retried");
        }
    }

    @Test
    void anInterruptedWaitEndsTheCall() {
        OkHttpClient patient = new OkHttpClient.Builder().addInterceptor(new RetryInterceptor(
                new RetryPolicy(5, Duration.ofSeconds(30), Duration.ofSeconds(30), 1.0), SERVER_ERRORS,
                Clock.systemUTC(), wait -> {
                    // the job is canceled while the client waits to retry
                    Thread.currentThread().interrupt();
                    Sleeper.SYSTEM.sleep(wait);
                })).build();
        server.enqueue(new MockResponse.Builder().code(503).build());
        try {
            long start = System.nanoTime();
            assertThatThrownBy(() -> patient.newCall(new Request.Builder().url(server.url("/z")).build()).execute())
                    .isInstanceOf(java.io.InterruptedIOException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
            assertThat(server.getRequestCount()).isEqualTo(1);
        } finally {
            Thread.interrupted();
        }
    }
}
