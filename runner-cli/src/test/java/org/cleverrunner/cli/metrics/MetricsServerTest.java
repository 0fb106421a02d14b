package org.cleverrunner.cli.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.cleverrunner.spi.JobOutcome;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MetricsServerTest {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicBoolean healthy = new AtomicBoolean(true);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private MetricsServer server;

    @BeforeEach
    void start() {
        server = MetricsServer.builder().host("127.0.0.1").port(0).registry(registry).healthy(healthy::get).build()
                .start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> send(String method, String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void metricsAreServedInThePrometheusTextFormat() throws Exception {
        new EngineMetrics(registry).jobFinished("gitlab", 1, JobOutcome.success(), Duration.ofSeconds(3));

        HttpResponse<String> response = send("GET", "/metrics");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValue("text/plain; version=0.0.4; charset=utf-8");
        assertThat(response.body())
                .contains("# TYPE clever_runner_jobs_total counter")
                .contains("clever_runner_jobs_total{failure_reason=\"none\",runner=\"gitlab\",state=\"success\"} 1.0");
    }

    @Test
    void healthIsOkThenShuttingDown() throws Exception {
        HttpResponse<String> ok = send("GET", "/health");
        healthy.set(false);
        HttpResponse<String> draining = send("GET", "/health");

        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo("{\"status\":\"ok\"}");
        assertThat(ok.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(draining.statusCode()).isEqualTo(503);
        assertThat(draining.body()).isEqualTo("{\"status\":\"shutting_down\"}");
    }

    @Test
    void aFailingHealthCheckIsUnhealthy() throws Exception {
        server.close();
        server = MetricsServer.builder().port(0).registry(registry)
                .healthy(() -> {
                    throw new IllegalStateException("engine gone");
                }).build().start();

        assertThat(send("GET", "/health").statusCode()).isEqualTo(503);
    }

    @Test
    void otherPathsAreNotFoundAndOtherMethodsNotAllowed() throws Exception {
        assertThat(send("GET", "/").statusCode()).isEqualTo(404);
        assertThat(send("GET", "/metrics/extra").statusCode()).isEqualTo(404);
        assertThat(send("GET", "/healthz").statusCode()).isEqualTo(404);
        HttpResponse<String> post = send("POST", "/metrics");
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).hasValue("GET");
    }

    @Test
    void closeFreesThePort() throws Exception {
        int port = server.port();
        server.close();

        server = MetricsServer.builder().port(port).registry(registry).build().start();

        assertThat(server.port()).isEqualTo(port);
        assertThat(send("GET", "/health").statusCode()).isEqualTo(200);
    }
}
