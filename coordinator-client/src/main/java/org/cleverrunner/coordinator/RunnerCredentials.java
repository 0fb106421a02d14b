package org.cleverrunner.coordinator;

import java.time.OffsetDateTime;

/** What registration, verification or a token reset returns: the runner's id, its token and when it expires. */
public record RunnerCredentials(long id, String token, OffsetDateTime tokenExpiresAt) {

    @Override
    public String toString() {
        return "RunnerCredentials[id=" + id + ", tokenExpiresAt=" + tokenExpiresAt + ", token=[MASKED]]";
    }
}
