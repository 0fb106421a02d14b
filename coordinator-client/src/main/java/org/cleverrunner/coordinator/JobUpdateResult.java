package org.cleverrunner.coordinator;

/** The outcome of {@code PUT /jobs/:id}, mapped as GitLab Runner maps it. */
public record JobUpdateResult(Outcome outcome, int status, RemoteJobStatus remote) {

    public enum Outcome {
        /** 200: the update is recorded. */
        ACCEPTED,
        /** 202: a final state is accepted but the trace is still being archived; repeat the same update. */
        NOT_COMPLETED,
        /** {@code Job-Status: canceling}: stop the script, run after_script, then finish normally. */
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

    public boolean isFinalAnswer() {
        return outcome == Outcome.ACCEPTED || outcome == Outcome.ABORT || outcome == Outcome.CANCEL_REQUESTED;
    }
}
