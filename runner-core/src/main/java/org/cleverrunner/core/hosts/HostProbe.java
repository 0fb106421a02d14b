package org.cleverrunner.core.hosts;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.cleverrunner.spi.Secret;

/** Whether a host's Docker endpoint answers: the last step of readiness, and the health check of a kept host. */
@FunctionalInterface
public interface HostProbe {

    /** Null when the endpoint answers as it should, else why not (no secret in it). */
    String check(URI endpoint, Secret accessToken) throws InterruptedException;

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
