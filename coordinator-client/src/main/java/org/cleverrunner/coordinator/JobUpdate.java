package org.cleverrunner.coordinator;

import java.util.Objects;

/**
 * The body of {@code PUT /jobs/:id}: a state, and for a final state the failure reason and exit code, always with
 * the checksum and size of the trace sent so far so the coordinator can check it received all of it.
 *
 * @param failureReason null unless the state is {@code failed}
 * @param exitCode null when unknown; 0 is not sent, as GitLab Runner omits it
 * @param traceChecksum {@code crc32:%08x} of the whole trace, or null before any output
 * @param traceBytesize the trace's size in bytes
 */
public record JobUpdate(JobState state, FailureReason failureReason, Integer exitCode, String traceChecksum,
        long traceBytesize) {

    public JobUpdate {
        Objects.requireNonNull(state, "state");
        if (failureReason != null && state != JobState.FAILED) {
            throw new IllegalArgumentException("a failure reason goes only with the failed state, not " + state);
        }
    }

    /** The confirmation right after a job is received (two-phase commit). */
    public static JobUpdate running() {
        return new JobUpdate(JobState.RUNNING, null, null, null, 0);
    }

    /** A keep-alive while the job runs, carrying the trace's checksum and size. */
    public static JobUpdate running(String traceChecksum, long traceBytesize) {
        return new JobUpdate(JobState.RUNNING, null, null, traceChecksum, traceBytesize);
    }

    public static JobUpdate success(String traceChecksum, long traceBytesize) {
        return new JobUpdate(JobState.SUCCESS, null, null, traceChecksum, traceBytesize);
    }

    public static JobUpdate failed(FailureReason reason, Integer exitCode, String traceChecksum, long traceBytesize) {
        return new JobUpdate(JobState.FAILED, Objects.requireNonNull(reason, "reason"), exitCode, traceChecksum,
                traceBytesize);
    }
}
