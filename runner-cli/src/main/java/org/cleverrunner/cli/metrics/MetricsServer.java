package org.cleverrunner.cli.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code GET /metrics} (Prometheus text format) and {@code GET /health} ({@code 200 {"status":"ok"}} while
 * {@link Builder#healthy healthy}, else {@code 503 {"status":"shutting_down"}} so that a load balancer or an
 * orchestrator stops counting on a draining runner). Any other path is 404. Built by {@link #builder()}, bound by
 * {@link #start()}.
 */
public final class MetricsServer implements AutoCloseable {

    /** The Prometheus text exposition format, version 0.0.4. */
    public static final String METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private static final Logger LOG = LoggerFactory.getLogger(MetricsServer.class);
    private static final String JSON = "application/json";

    private final String host;
    private final int port;
    private final PrometheusMeterRegistry registry;
    private final java.util.function.Supplier<String> more;
    private final BooleanSupplier healthy;
    private HttpServer server;
    private ExecutorService executor;

    private MetricsServer(Builder builder) {
        this.host = builder.host;
        this.port = builder.port;
        this.registry = Objects.requireNonNull(builder.registry, "registry");
        this.healthy = builder.healthy;
        this.more = builder.more;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Binds the address and starts serving; returns this server. */
    public synchronized MetricsServer start() {
        if (server != null) {
            throw new IllegalStateException("metrics server already started");
        }
        HttpServer created;
        try {
            created = HttpServer.create(new InetSocketAddress(host, port), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + host + ":" + port + " for metrics", e);
        }
        // two threads: a slow scrape must not keep a health probe waiting
        AtomicInteger threads = new AtomicInteger();
        executor = Executors.newFixedThreadPool(2, task -> {
            Thread thread = new Thread(task, "metrics-http-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        created.setExecutor(executor);
        created.createContext("/", this::handle);
        created.start();
        server = created;
        LOG.info("Serving /metrics and /health on {}:{}", host, port());
        return this;
    }

    /** The port bound: the one configured, or the one the system chose for port 0. */
    public synchronized int port() {
        if (server == null) {
            throw new IllegalStateException("metrics server not started");
        }
        return server.getAddress().getPort();
    }

    @Override
    public synchronized void close() {
        if (server != null) {
            server.stop(0);
            executor.shutdownNow();
            server = null;
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            boolean known = path.equals("/metrics") || path.equals("/health");
            if (!known) {
                respond(exchange, 404, JSON, "{\"error\":\"not found\"}");
            } else if (!exchange.getRequestMethod().equals("GET")) {
                exchange.getResponseHeaders().set("Allow", "GET");
                respond(exchange, 405, JSON, "{\"error\":\"method not allowed\"}");
            } else if (path.equals("/metrics")) {
                respond(exchange, 200, METRICS_CONTENT_TYPE, registry.scrape() + more.get());
            } else if (isHealthy()) {
                respond(exchange, 200, JSON, "{\"status\":\"ok\"}");
            } else {
                respond(exchange, 503, JSON, "{\"status\":\"shutting_down\"}");
            }
        } catch (RuntimeException e) {
            LOG.warn("Metrics request {} failed", exchange.getRequestURI(), e);
            throw e;
        }
    }

    private boolean isHealthy() {
        try {
            return healthy.getAsBoolean();
        } catch (RuntimeException e) {
            LOG.warn("Health check failed", e);
            return false;
        }
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Configures a {@link MetricsServer}; {@link #registry} is required. */
    public static final class Builder {

        private String host = "127.0.0.1";
        private int port = 9252;
        private PrometheusMeterRegistry registry;
        private BooleanSupplier healthy = () -> true;
        private java.util.function.Supplier<String> more = () -> "";

        private Builder() {
        }

        /** More families in the text format, after the registry's (gitlab-runner's, see GitLabRunnerMetrics). */
        public Builder more(java.util.function.Supplier<String> families) {
            this.more = Objects.requireNonNull(families, "families");
            return this;
        }

        /** The interface to listen on; default {@code 127.0.0.1}, {@code 0.0.0.0} for every interface. */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** The port; default 9252 (gitlab-runner's), 0 for any free port. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be within 0..65535, got " + port);
            }
            this.port = port;
            return this;
        }

        public Builder registry(PrometheusMeterRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /** Whether {@code /health} answers 200; false while the runner drains and shuts down. */
        public Builder healthy(BooleanSupplier healthy) {
            this.healthy = Objects.requireNonNull(healthy, "healthy");
            return this;
        }

        public MetricsServer build() {
            Objects.requireNonNull(registry, "registry");
            return new MetricsServer(this);
        }
    }
}
