package org.cleverrunner.clevercloud;

import java.util.Objects;
import org.cleverrunner.spi.Secret;

/**
 * Basic credentials for pushes to an application's deployment repository over HTTPS ({@code deployment.httpUrl}).
 * clever-tools pushes with its OAuth token as user and the token's secret as password; the Heptapod PaaS runner
 * pushed with {@code Jenkins} and its organisation token.
 */
public record GitCredentials(String username, Secret password) {
    public GitCredentials {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
    }

    @Override
    public String toString() {
        return "GitCredentials[" + username + ", " + Secret.MASK + "]";
    }
}
