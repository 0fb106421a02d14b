package org.cleverrunner.core.hosts;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.cleverrunner.spi.Executor;
import org.cleverrunner.spi.Secret;

/** Whether a host's Docker endpoint answers: the last step of readiness, and the health check of a kept host. */
@FunctionalInterface
public interface HostProbe {

    /** Null when the endpoint answers as it should, else why not (no secret in it). */
    String check(URI endpoint, Secret accessToken) throws InterruptedException;

    /**
     * The check of a warm pool's host after a job and before the next: it answers {@link #gatewayPing()}, and its
     * Engine holds no container, network or volume of the job that ran on it (labelled by the executor with
     * {@link Executor#MANAGED_LABEL}, the runner and its job id): that job left nothing the next can see.
     */
    @FunctionalInterface
    interface Reuse {
        /**
         * Null when the host may take another job, else why not; {@code previousJob} null: ping only.
         *
         * @param runner the runner whose job ran ({@link Executor#RUNNER_LABEL}), or null for any
         */
        String check(URI endpoint, Secret accessToken, String runner, String previousJob)
                throws InterruptedException;

        /** The default: the ping, then the listings by label through the gateway. */
        static Reuse cleanEngine() {
            HostProbe ping = gatewayPing();
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
            return (endpoint, token, runner, previousJob) -> {
                String answer = ping.check(endpoint, token);
                if (answer != null || previousJob == null) {
                    return answer;
                }
                String labels = "{\"label\":[\"" + Executor.MANAGED_LABEL + "=true\",\"" + Executor.JOB_LABEL + "="
                        + previousJob + "\"" + (runner == null ? "" : ",\"" + Executor.RUNNER_LABEL + "=" + runner + "\"")
                        + "]}";
                String filter = java.net.URLEncoder.encode(labels, java.nio.charset.StandardCharsets.UTF_8);
                for (String[] kind : new String[][] {{"/containers/json?all=1&filters=", "container"},
                        {"/networks?filters=", "network"}, {"/volumes?filters=", "volume"}}) {
                    HttpRequest.Builder request = HttpRequest.newBuilder(endpoint.resolve(kind[0] + filter))
                            .timeout(Duration.ofSeconds(10)).GET();
                    if (token != null) {
                        request.header("Authorization", "Bearer " + token.reveal());
                    }
                    try {
                        HttpResponse<String> response = http.send(request.build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (response.statusCode() != 200) {
                            return "listing " + kind[1] + "s: HTTP " + response.statusCode();
                        }
                        var body = json.readTree(response.body());
                        var items = body.isArray() ? body : body.path("Volumes");
                        if (items.size() > 0) {
                            return items.size() + " " + kind[1] + (items.size() == 1 ? "" : "s") + " of job "
                                    + previousJob + " left";
                        }
                    } catch (IOException e) {
                        return "listing " + kind[1] + "s: " + e.getClass().getSimpleName();
                    }
                }
                return null;
            };
        }
    }

    /** The gateway's (and the Engine's) {@code GET /_ping}, with the bearer token, answered 200 within 10 s. */
    static HostProbe gatewayPing() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        return (endpoint, token) -> {
            HttpRequest.Builder request = HttpRequest.newBuilder(endpoint.resolve("/_ping"))
                    .timeout(Duration.ofSeconds(10)).GET();
            if (token != null) {
                request.header("Authorization", "Bearer " + token.reveal());
            }
            try {
                int status = http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                return status == 200 ? null : "HTTP " + status;
            } catch (IOException e) {
                return e.getClass().getSimpleName();
            }
        };
    }
}
