package org.cleverrunner.clevercloud.internal;

import java.net.URI;
import java.util.List;
import java.util.Objects;
import org.cleverrunner.clevercloud.CleverCloudAuthentication;
import org.cleverrunner.spi.Secret;

/** {@code Authorization: <scheme> <secret>}: Bearer API tokens and the Heptapod runner's {@code token} scheme. */
public final class HeaderAuthentication implements CleverCloudAuthentication, SecretBearing {

    private final String scheme;
    private final Secret secret;
    private final URI apiUrl;
    private final String description;

    public HeaderAuthentication(String scheme, Secret secret, URI apiUrl, String description) {
        this.scheme = Objects.requireNonNull(scheme, "scheme");
        this.secret = Objects.requireNonNull(secret, "token");
        this.apiUrl = Objects.requireNonNull(apiUrl, "apiUrl");
        this.description = description;
        if (secret.reveal().isBlank()) {
            throw new IllegalArgumentException(description + ": the token is empty");
        }
    }

    @Override
    public String authorization(String method, URI url) {
        return scheme + " " + secret.reveal();
    }

    @Override
    public URI defaultApiUrl() {
        return apiUrl;
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public List<String> secretValues() {
        return List.of(secret.reveal());
    }

    @Override
    public String toString() {
        return "CleverCloudAuthentication[" + description + ", " + Secret.MASK + "]";
    }
}
