package org.cleverrunner.coordinator;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of {@code PUT /jobs/:id}, mapped as GitLab Runner maps it: the {@code Job-Status} header decides an
 * abort ({@code canceled}, {@code failed}), otherwise the HTTP status decides; a {@code Job-Status: canceling} is
 * reported apart ({@link #cancelRequested()}) and never turns a 202 into a final answer.
 *
 * @param retryAfter what {@code Retry-After} asked for, on a 429 or 5xx that survived the client's retries
 */
public record JobUpdateResult(Outcome outcome, int status, RemoteJobStatus remote, Optional<Duration> retryAfter) {

    public enum Outcome {
        /** 200: the update is recorded. */
        ACCEPTED,
        /**
         * 202: a final state is accepted but the trace is still being archived; repeat the same update until 200,
         * whatever {@code Job-Status} says (a canceled job answers 202 with {@code Job-Status: canceling}).
         */
        NOT_COMPLETED,
        /** 200 with {@code Job-Status: canceling}: stop the script, run after_script, then finish normally. */
        CANCEL_REQUESTED,
        /** 403, 404, or {@code Job-Status: canceled|failed}: the job is gone for this runner; stop everything. */
        ABORT,
        /** 412: the coordinator's copy of the trace is not valid; resend the whole trace from offset 0. */
        TRACE_RESET,
        /** 409: another runner manager holds the job (two-phase commit conflict). */
        CONFLICT,
        /** Anything else, after the retries the protocol allows: try again later. */
        FAILED
    }

    public JobUpdateResult {
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(remote, "remote");
        retryAfter = retryAfter == null ? Optional.empty() : retryAfter;
    }

    public JobUpdateResult(Outcome outcome, int status, RemoteJobStatus remote) {
        this(outcome, status, remote, Optional.empty());
    }

    /** The coordinator recorded the update (200), or the job is gone for this runner: nothing to repeat. */
    public boolean isFinalAnswer() {
        return outcome == Outcome.ACCEPTED || outcome == Outcome.ABORT || outcome == Outcome.CANCEL_REQUESTED;
    }

    /** The coordinator said {@code Job-Status: canceling}, whatever the HTTP status. */
    public boolean cancelRequested() {
        return remote.cancelRequested();
    }
}
