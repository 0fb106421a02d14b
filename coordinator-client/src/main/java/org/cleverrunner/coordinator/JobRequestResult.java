package org.cleverrunner.coordinator;

import java.util.Optional;
import org.cleverrunner.coordinator.payload.JobPayload;

/** The outcome of a job request: a job, no job for now, or a refusal that makes the runner unhealthy. */
public sealed interface JobRequestResult {

    /** The {@code X-GitLab-Last-Update} value to send with the next request, when the coordinator gave one. */
    Optional<String> lastUpdate();

    /** 201: a job, to be confirmed at once with a {@code running} update (two-phase commit). */
    record JobReceived(JobPayload job, Optional<String> lastUpdate) implements JobRequestResult {
    }

    /** 204 (or a busy coordinator: 409, 429, 5xx after retries): nothing to run now, ask again. */
    record NoJob(int status, Optional<String> lastUpdate) implements JobRequestResult {
    }

    /** 403 or another client error: the token is refused or the request is wrong; back off and check the runner. */
    record Rejected(int status, String message, Optional<String> lastUpdate) implements JobRequestResult {
    }
}
