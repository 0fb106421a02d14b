package org.cleverrunner.clevercloud.internal;

import java.net.URI;
import java.util.List;
import java.util.Objects;
import org.cleverrunner.clevercloud.CleverCloudAuthentication;
import org.cleverrunner.clevercloud.GitCredentials;
import org.cleverrunner.spi.Secret;

/** {@code Authorization: <scheme> <secret>}: Bearer API tokens and the Heptapod runner's {@code token} scheme. */
public final class HeaderAuthentication implements CleverCloudAuthentication, SecretBearing {

    private final String scheme;
    private final Secret secret;
    private final URI apiUrl;
    private final String description;
    private final String gitUser;

    /** {@code gitUser}: the user of git pushes with this token as password, or null when it gives none. */
    public HeaderAuthentication(String scheme, Secret secret, URI apiUrl, String description, String gitUser) {
        this.scheme = Objects.requireNonNull(scheme, "scheme");
        this.secret = Objects.requireNonNull(secret, "token");
        this.apiUrl = Objects.requireNonNull(apiUrl, "apiUrl");
        this.description = description;
        this.gitUser = gitUser;
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
    public java.util.Optional<GitCredentials> gitCredentials() {
        return gitUser == null ? java.util.Optional.empty()
                : java.util.Optional.of(new GitCredentials(gitUser, secret));
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
