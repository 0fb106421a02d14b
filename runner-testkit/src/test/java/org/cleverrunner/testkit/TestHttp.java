package org.cleverrunner.testkit;

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

/** A tiny JDK HttpClient wrapper speaking to the fake the way gitlab-runner does. */
final class TestHttp {
    static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient client = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    private final String base;

    TestHttp(FakeCoordinator fake) {
        this.base = fake.url() + "api/v4/";
    }

    HttpResponse<byte[]> send(HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpResponse<byte[]> sendOrThrow(HttpRequest request) throws IOException, InterruptedException {
        return client.send(request, HttpResponse.BodyHandlers.ofByteArray());
    }

    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(path.startsWith("http") ? path : base + path))
                .timeout(Duration.ofSeconds(30));
    }

    HttpResponse<byte[]> json(String method, String path, String body, String... headers) {
        HttpRequest.Builder b = request(path)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return send(b.build());
    }

    HttpResponse<byte[]> requestJob(String token) {
        return json("POST", "jobs/request", "{\"token\":\"" + token + "\",\"info\":{\"features\":{\"cancel_gracefully\":true}}}",
                "RUNNER-TOKEN", token);
    }

    HttpResponse<byte[]> requestJob(String token, String lastUpdate) {
        return json("POST", "jobs/request", "{\"token\":\"" + token + "\",\"last_update\":\"" + lastUpdate
                + "\",\"info\":{\"features\":{\"cancel_gracefully\":true}}}", "RUNNER-TOKEN", token);
    }

    HttpResponse<byte[]> updateJob(JobHandle job, String body) {
        return json("PUT", "jobs/" + job.id(), body, "JOB-TOKEN", job.token());
    }

    HttpResponse<byte[]> updateJob(JobHandle job, String state, String extra) {
        return updateJob(job, "{\"token\":\"" + job.token() + "\",\"state\":\"" + state + "\"" + extra + "}");
    }

    HttpResponse<byte[]> patchTrace(JobHandle job, String token, String contentRange, byte[] chunk) {
        HttpRequest.Builder b = request("jobs/" + job.id() + "/trace")
                .header("Content-Type", "text/plain")
                .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(chunk));
        if (token != null) {
            b.header("JOB-TOKEN", token);
        }
        if (contentRange != null) {
            b.header("Content-Range", contentRange);
        }
        return send(b.build());
    }

    HttpResponse<byte[]> patchTrace(JobHandle job, long start, String text) {
        byte[] chunk = text.getBytes(StandardCharsets.UTF_8);
        return patchTrace(job, job.token(), start + "-" + (start + chunk.length - 1), chunk);
    }

    static String text(HttpResponse<byte[]> response) {
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    static JsonNode tree(HttpResponse<byte[]> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String header(HttpResponse<?> response, String name) {
        return response.headers().firstValue(name).orElse(null);
    }
}
