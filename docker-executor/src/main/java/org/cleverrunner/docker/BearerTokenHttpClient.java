package org.cleverrunner.docker;

import com.github.dockerjava.transport.DockerHttpClient;
import org.cleverrunner.spi.Secret;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Adds {@code Authorization: Bearer <token>} to every request: docker-java's transports have no option for a custom
 * header, and a gateway behind a reverse proxy wants one on each call.
 */
final class BearerTokenHttpClient implements DockerHttpClient {

    private final DockerHttpClient delegate;
    private final Secret token;

    BearerTokenHttpClient(DockerHttpClient delegate, Secret token) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.token = Objects.requireNonNull(token, "token");
    }

    @Override
    public Response execute(Request request) {
        Map<String, String> headers = new LinkedHashMap<>(request.headers());
        // One Authorization header only, ours: never let a caller's header travel beside it.
        headers.keySet().removeIf(name -> name.equalsIgnoreCase("Authorization"));
        headers.put("Authorization", "Bearer " + token.reveal());
        return delegate.execute(Request.builder().from(request).headers(headers).build());
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }

    @Override
    public String toString() {
        return "BearerTokenHttpClient[" + delegate + ", token=" + Secret.MASK + "]";
    }
}
