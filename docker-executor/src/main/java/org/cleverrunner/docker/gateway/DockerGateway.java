package org.cleverrunner.docker.gateway;

import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient;
import org.cleverrunner.docker.internal.EngineHeaders;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.cleverrunner.docker.DockerExecutorException;
import org.cleverrunner.docker.internal.CacheTransferProtocol;
import org.cleverrunner.docker.internal.Pipes;
import org.cleverrunner.spi.Secret;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The Docker gateway: a small HTTP service on a job's VM that checks a bearer token, lets through only the Docker
 * Engine API calls the executor makes (see {@link GatewayPolicy}), refuses what would reach the host, and forwards
 * the rest to the local Docker socket, streaming bodies both ways so that {@code logs?follow=1} is live.
 * <p>
 * Every request needs {@code Authorization: Bearer <token>}, {@code /_ping} included; the header is stripped before
 * forwarding. Refusals are JSON bodies {@code {"message": "..."}} as the engine writes its own errors, so docker-java
 * reports them as usual. Tokens are never logged.
 */
public final class DockerGateway implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DockerGateway.class);

    public static final int DEFAULT_PORT = 8080;
    public static final Path DEFAULT_DOCKER_SOCKET = Path.of("/var/run/docker.sock");

    /** Bodies read for inspection are small; anything bigger is no container or volume definition. */
    private static final int MAX_INSPECTED_BODY = 1 << 20;

    /** Hop-by-hop headers, and the ones the gateway or the HTTP stacks set themselves. */
    private static final Set<String> NOT_FORWARDED = Set.of("authorization", "host", "connection", "keep-alive",
            "transfer-encoding", "content-length", "upgrade", "te", "trailer", "proxy-authorization",
            "proxy-connection", "expect");
    private static final Set<String> NOT_RETURNED = Set.of("connection", "keep-alive", "transfer-encoding",
            "content-length", "upgrade", "trailer", "date");

    private final String bindAddress;
    private final int requestedPort;
    private final byte[] tokenDigest;
    private final Path dockerSocket;
    private final Duration upstreamConnectTimeout;
    private final Duration upstreamResponseTimeout;
    private final LongAdder relayed = new LongAdder();

    private HttpServer server;
    private ExecutorService executor;
    private DockerHttpClient upstream;
    private CacheEndpoints cache;

    private DockerGateway(Builder builder) {
        this.bindAddress = builder.bindAddress;
        this.requestedPort = builder.port;
        this.tokenDigest = sha256(builder.token.reveal());
        this.dockerSocket = builder.dockerSocket;
        this.upstreamConnectTimeout = builder.upstreamConnectTimeout;
        this.upstreamResponseTimeout = builder.upstreamResponseTimeout;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds the port and starts serving.
     *
     * @throws DockerExecutorException when the port cannot be bound
     */
    public synchronized DockerGateway start() {
        if (server != null) {
            throw new IllegalStateException("the gateway is already started");
        }
        upstream = new EngineHeaders(new ApacheDockerHttpClient.Builder()
                .dockerHost(URI.create("unix://" + dockerSocket.toAbsolutePath()))
                .connectionTimeout(upstreamConnectTimeout)
                .responseTimeout(upstreamResponseTimeout)
                .maxConnections(200)
                .build(), null);
        cache = new CacheEndpoints(upstream);
        AtomicInteger threads = new AtomicInteger();
        // Cached pool: a long logs?follow=1 or wait holds its thread and must not delay anyone else.
        executor = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "docker-gateway-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        try {
            server = HttpServer.create(new InetSocketAddress(bindAddress, requestedPort), 128);
        } catch (IOException e) {
            closeQuietly(upstream);
            executor.shutdownNow();
            throw new DockerExecutorException("The Docker gateway cannot listen on " + bindAddress + ":" + requestedPort
                    + ": " + e.getMessage(), e);
        }
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        LOG.info("Docker gateway listening on {}:{}, forwarding to {}", bindAddress, port(), dockerSocket);
        return this;
    }

    /** The port listened on (the ephemeral one when built with port 0). */
    public synchronized int port() {
        if (server == null) {
            throw new IllegalStateException("the gateway is not started");
        }
        return server.getAddress().getPort();
    }

    @Override
    public synchronized void close() {
        if (server == null) {
            return;
        }
        server.stop(0);
        executor.shutdownNow();
        closeQuietly(upstream);
        server = null;
        LOG.info("Docker gateway stopped");
    }

    private void handle(HttpExchange exchange) {
        String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
        URI uri = exchange.getRequestURI();
        try {
            if (!authorized(exchange.getRequestHeaders().getFirst("Authorization"))) {
                exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
                sendMessage(exchange, 401, "missing or invalid bearer token");
                return;
            }
            if (uri.getPath().startsWith("/clever-runner/")) {
                serveCache(exchange, method, uri.getPath());
                return;
            }
            GatewayPolicy.Verdict verdict = GatewayPolicy.check(method, uri.getPath(), uri.getRawQuery());
            if (!verdict.allowed()) {
                LOG.info("refused {} {}: {}", method, uri.getPath(), verdict.reason());
                sendMessage(exchange, 403, verdict.reason());
                return;
            }
            DockerHttpClient.Request.Builder request = DockerHttpClient.Request.builder()
                    .method(method)
                    .path(uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()))
                    .headers(forwardedHeaders(exchange.getRequestHeaders()));
            switch (verdict.body()) {
                case CHECK_CONTAINER_CREATE, CHECK_VOLUME_CREATE -> {
                    byte[] body = readSmallBody(exchange);
                    if (body == null) {
                        sendMessage(exchange, 413, "the request body is larger than " + MAX_INSPECTED_BODY + " bytes");
                        return;
                    }
                    Optional<String> refusal = verdict.body() == GatewayPolicy.BodyHandling.CHECK_CONTAINER_CREATE
                            ? GatewayPolicy.checkContainerCreate(body)
                            : GatewayPolicy.checkVolumeCreate(body);
                    if (refusal.isPresent()) {
                        LOG.info("refused {} {}: {}", method, uri.getPath(), refusal.get());
                        sendMessage(exchange, 403, refusal.get());
                        return;
                    }
                    request.bodyBytes(body);
                }
                case STREAM -> {
                    if (hasBody(exchange.getRequestHeaders())) {
                        request.body(Pipes.counting(exchange.getRequestBody(), relayed::add));
                    }
                }
                case DROP -> {
                    // nothing sent; the exchange drains what the client wrote
                }
            }
            forward(exchange, method, request.build());
        } catch (IOException e) {
            // The client went away (or the proxy cut it): nothing left to answer.
            LOG.debug("{} {} ended early: {}", method, uri.getPath(), e.toString());
        } catch (RuntimeException e) {
            LOG.warn("{} {} failed: {}", method, uri.getPath(), e.toString());
        } finally {
            exchange.close();
        }
    }

    /** The gateway's own cache endpoints (see {@link CacheEndpoints}): the archive moves here, not at the runner. */
    private void serveCache(HttpExchange exchange, String method, String path) throws IOException {
        boolean restore = path.equals(CacheTransferProtocol.RESTORE_PATH);
        if (!method.equals("POST") || !restore && !path.equals(CacheTransferProtocol.SAVE_PATH)) {
            sendMessage(exchange, 404, "no such gateway endpoint: " + method + " " + path);
            return;
        }
        exchange.getResponseHeaders().set("Content-Type", "application/x-ndjson");
        exchange.sendResponseHeaders(200, 0);
        try (InputStream in = exchange.getRequestBody(); OutputStream out = exchange.getResponseBody()) {
            if (restore) {
                cache.restore(in, out);
            } else {
                cache.save(in, out);
            }
        }
    }

    /** Bytes of cache archives this gateway moved between its VM and the store, since it started. */
    public synchronized long cacheBytes() {
        return cache == null ? 0 : cache.transferredBytes();
    }

    /** Bytes of request and response bodies relayed between the runner and the Docker Engine, since it started. */
    public long relayedBytes() {
        return relayed.sum();
    }

    private void forward(HttpExchange exchange, String method, DockerHttpClient.Request request) throws IOException {
        DockerHttpClient.Response response;
        try {
            response = upstream.execute(request);
        } catch (RuntimeException e) {
            LOG.warn("the Docker Engine at {} did not answer {} {}: {}", dockerSocket, method,
                    exchange.getRequestURI().getPath(), e.toString());
            sendMessage(exchange, 502, "the Docker Engine behind the gateway did not answer");
            return;
        }
        try (response) {
            Headers out = exchange.getResponseHeaders();
            for (Map.Entry<String, List<String>> header : response.getHeaders().entrySet()) {
                if (!NOT_RETURNED.contains(header.getKey().toLowerCase(Locale.ROOT))) {
                    out.put(header.getKey(), header.getValue());
                }
            }
            int status = response.getStatusCode();
            long length = contentLength(response.getHeader("Content-Length"));
            if (method.equals("HEAD") || status == 204 || status == 304 || length == 0) {
                exchange.sendResponseHeaders(status, -1);
                return;
            }
            // A known length is sent as such; otherwise chunked, flushed as the engine writes (logs follow).
            exchange.sendResponseHeaders(status, length > 0 ? length : 0);
            try (InputStream in = response.getBody(); OutputStream body = exchange.getResponseBody()) {
                byte[] buffer = new byte[8192];
                int n;
                while ((n = in.read(buffer)) != -1) {
                    body.write(buffer, 0, n);
                    body.flush();
                    relayed.add(n);
                }
            }
        }
    }

    private boolean authorized(String header) {
        if (header == null || header.length() < 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        // Digests have one length, so the comparison time says nothing about the token.
        return MessageDigest.isEqual(tokenDigest, sha256(header.substring(7).trim()));
    }

    private static Map<String, String> forwardedHeaders(Headers in) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> header : in.entrySet()) {
            if (!NOT_FORWARDED.contains(header.getKey().toLowerCase(Locale.ROOT))) {
                headers.put(header.getKey(), String.join(", ", header.getValue()));
            }
        }
        return headers;
    }

    private static boolean hasBody(Headers headers) {
        return headers.containsKey("Transfer-Encoding") || contentLength(headers.getFirst("Content-Length")) > 0;
    }

    private static long contentLength(String value) {
        if (value == null) {
            return -1;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The whole body, or null when it is larger than {@link #MAX_INSPECTED_BODY}. */
    private static byte[] readSmallBody(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes(MAX_INSPECTED_BODY + 1);
            return body.length > MAX_INSPECTED_BODY ? null : body;
        }
    }

    private static void sendMessage(HttpExchange exchange, int status, String message) throws IOException {
        byte[] body = ("{\"message\":" + jsonString(message) + "}\n").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, exchange.getRequestMethod().equalsIgnoreCase("HEAD") ? -1 : body.length);
        if (!exchange.getRequestMethod().equalsIgnoreCase("HEAD")) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static String jsonString(String value) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : value.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    private static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JVM", e);
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            if (closeable != null) {
                closeable.close();
            }
        } catch (Exception e) {
            LOG.debug("closing {} failed: {}", closeable, e.toString());
        }
    }

    @Override
    public String toString() {
        return "DockerGateway[" + bindAddress + ":" + requestedPort + " -> " + dockerSocket + ", token="
                + Secret.MASK + "]";
    }

    public static final class Builder {

        private String bindAddress = "0.0.0.0";
        private int port = DEFAULT_PORT;
        private Secret token;
        private Path dockerSocket = DEFAULT_DOCKER_SOCKET;
        private Duration upstreamConnectTimeout = Duration.ofSeconds(5);
        private Duration upstreamResponseTimeout = Duration.ofMinutes(15);

        private Builder() {
        }

        /** The address to listen on (default all: 0.0.0.0). */
        public Builder bindAddress(String address) {
            this.bindAddress = Objects.requireNonNull(address, "address");
            return this;
        }

        /** The port to listen on (default 8080, the one Clever Cloud routes to); 0 picks a free one. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be within 0..65535");
            }
            this.port = port;
            return this;
        }

        /** The bearer token every request must carry. Required. */
        public Builder token(Secret token) {
            Objects.requireNonNull(token, "token");
            if (token.reveal().isBlank()) {
                throw new IllegalArgumentException("the gateway token must not be blank");
            }
            this.token = token;
            return this;
        }

        /** The Docker Engine's socket (default /var/run/docker.sock). */
        public Builder dockerSocket(Path socket) {
            this.dockerSocket = Objects.requireNonNull(socket, "socket");
            return this;
        }

        /** How long to wait for the engine's socket to accept a connection (default 5 s). */
        public Builder upstreamConnectTimeout(Duration timeout) {
            this.upstreamConnectTimeout = positive(timeout, "upstreamConnectTimeout");
            return this;
        }

        /**
         * How long the engine may stay silent in one response (default 15 min): bounds a {@code wait} or a quiet
         * {@code logs?follow=1} whose client is long gone. Clients re-issue such calls anyway.
         */
        public Builder upstreamResponseTimeout(Duration timeout) {
            this.upstreamResponseTimeout = positive(timeout, "upstreamResponseTimeout");
            return this;
        }

        public DockerGateway build() {
            if (token == null) {
                throw new IllegalStateException("the gateway needs a token");
            }
            return new DockerGateway(this);
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive");
            }
            return d;
        }
    }
}
