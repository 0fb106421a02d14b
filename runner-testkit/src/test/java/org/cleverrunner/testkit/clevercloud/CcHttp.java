package org.cleverrunner.testkit.clevercloud;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A tiny JDK HttpClient wrapper for the simulator's tests, authenticating with a Bearer token. */
final class CcHttp {
    static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private final String authorization;

    CcHttp(CleverCloudSimulator sim, String authorization) {
        this.base = sim.url();
        this.authorization = authorization;
    }

    HttpResponse<String> send(String method, String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        if (headers.length > 0) {
            b.headers(headers);
        }
        try {
            return client.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    JsonNode json(String method, String path, String body) {
        HttpResponse<String> r = send(method, path, body);
        if (r.statusCode() != 200) {
            throw new AssertionError(method + " " + path + " -> " + r.statusCode() + " " + r.body());
        }
        return read(r.body());
    }

    static JsonNode read(String s) {
        try {
            return JSON.readTree(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String createBody(String name, String flavor) {
        return "{\"zone\":\"par\",\"instanceLifetime\":\"TASK\",\"instanceType\":\"docker\",\"deploy\":\"git\","
                + "\"instanceVariant\":\"" + CleverCloudSimulator.HEPTAPOD_RUNNER_VARIANT + "\",\"maxInstances\":1,"
                + "\"minInstances\":1,\"instanceVersion\":\"20231213\",\"minFlavor\":\"" + flavor + "\",\"maxFlavor\":\""
                + flavor + "\",\"name\":\"" + name + "\"}";
    }
}
