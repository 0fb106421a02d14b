package org.cleverrunner.coordinator;

import java.time.Duration;
import java.util.Optional;
import org.cleverrunner.coordinator.payload.JobPayload;

/**
 * The outcome of a job request: a job, no job for now, a coordinator that is not answering, or a refusal that
 * makes the runner unhealthy.
 */
public sealed interface JobRequestResult {

    /** The {@code X-GitLab-Last-Update} value to send with the next request, when the coordinator gave one. */
    Optional<String> lastUpdate();

    /** 201: a job, to be confirmed at once with a {@code running} update (two-phase commit). */
    record JobReceived(JobPayload job, Optional<String> lastUpdate) implements JobRequestResult {
    }

    /** 204 (or 409, a busy queue): nothing to run now, ask again. */
    record NoJob(int status, Optional<String> lastUpdate) implements JobRequestResult {
    }

    /**
     * The coordinator did not answer usefully once the client's retries were spent: 408, 429, 5xx, or no answer at
     * all (connection refused or dropped, timeout; {@code status} 0). Back off before asking again.
     *
     * @param reason a short description, safe to log (no token)
     * @param retryAfter what the coordinator asked for with {@code Retry-After} or {@code RateLimit-ResetTime}
     */
    record Unavailable(int status, String reason, Optional<Duration> retryAfter, Optional<String> lastUpdate)
            implements JobRequestResult {
    }

    /** 403 or another client error: the token is refused or the request is wrong; back off and check the runner. */
    record Rejected(int status, String message, Optional<String> lastUpdate) implements JobRequestResult {
    }
}
