package org.cleverrunner.docker.internal;

import com.github.dockerjava.transport.DockerHttpClient;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.cleverrunner.spi.Secret;

/**
 * Sets the headers every request to an Engine carries, which docker-java's transports have no option for:
 * {@code Accept-Encoding: identity}, and {@code Authorization: Bearer <token>} for a gateway behind a reverse proxy.
 *
 * <p>Why identity: Apache HttpClient asks for gzip by default and the Engine then compresses every response on the
 * fly, on one core; a project's tar read for a cache or artifacts took ten times as long as {@code docker cp} (24 s
 * instead of 2.4 s for 500 MiB), the Engine compressing and the client inflating what never left the machine.
 */
public final class EngineHeaders implements DockerHttpClient {

    private final DockerHttpClient delegate;
    private final Secret token;

    /** {@code token} is null where the Engine wants none. */
    public EngineHeaders(DockerHttpClient delegate, Secret token) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.token = token;
    }

    @Override
    public Response execute(Request request) {
        Map<String, String> headers = new LinkedHashMap<>(request.headers());
        // one header of each, ours: never let a caller's header travel beside it
        headers.keySet().removeIf(name -> name.equalsIgnoreCase("Authorization")
                || name.equalsIgnoreCase("Accept-Encoding"));
        headers.put("Accept-Encoding", "identity");
        if (token != null) {
            headers.put("Authorization", "Bearer " + token.reveal());
        }
        return delegate.execute(Request.builder().from(request).headers(headers).build());
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }

    @Override
    public String toString() {
        return "EngineHeaders[" + delegate + (token == null ? "" : ", token=" + Secret.MASK) + "]";
    }
}
