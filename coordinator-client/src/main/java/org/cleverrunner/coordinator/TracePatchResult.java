package org.cleverrunner.coordinator;

/**
 * The outcome of {@code PATCH /jobs/:id/trace}. {@code offset} is where the next patch must start: the new end
 * after an accepted patch, the coordinator's own size after a range mismatch, the unchanged start otherwise.
 */
public record TracePatchResult(Outcome outcome, long offset, int status, RemoteJobStatus remote) {

    public enum Outcome {
        /** 202: appended. */
        ACCEPTED,
        /** 416: the coordinator holds a different size; continue from {@link #offset()}. */
        RANGE_MISMATCH,
        /** Appended, and {@code Job-Status: canceling}: stop the script, then finish normally. */
        CANCEL_REQUESTED,
        /** 403 or {@code Job-Status: canceled|failed}: stop everything. */
        ABORT,
        /** 404: the job does not exist (any more). */
        NOT_FOUND,
        /** Anything else, after the retries the protocol allows. */
        FAILED
    }
}
