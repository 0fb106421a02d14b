package org.cleverrunner.coordinator;

import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a job's {@link TraceBuffer} to the coordinator incrementally, as GitLab Runner does: patches of at most
 * {@code maxPatchBytes} from the last acknowledged offset, resynchronising on 416 from the coordinator's
 * {@code Range}, and a final update that carries the whole trace's checksum and size and is repeated on 202.
 * Not thread-safe: one uploader per job, driven by one thread.
 */
public final class TraceUploader {

    private static final Logger LOG = LoggerFactory.getLogger(TraceUploader.class);
    /** GitLab Runner's {@code DefaultTracePatchLimit}. */
    public static final int DEFAULT_MAX_PATCH_BYTES = 1024 * 1024;
    private static final int MAX_CONSECUTIVE_MISMATCHES = 5;

    private final CoordinatorClient client;
    private final long jobId;
    private final String jobToken;
    private final TraceBuffer trace;
    private final int maxPatchBytes;
    private long sentOffset;
    private boolean cancelRequested;
    private int rangeMismatches;

    public TraceUploader(CoordinatorClient client, long jobId, String jobToken, TraceBuffer trace) {
        this(client, jobId, jobToken, trace, DEFAULT_MAX_PATCH_BYTES);
    }

    public TraceUploader(CoordinatorClient client, long jobId, String jobToken, TraceBuffer trace, int maxPatchBytes) {
        this.client = Objects.requireNonNull(client, "client");
        this.jobId = jobId;
        this.jobToken = Objects.requireNonNull(jobToken, "jobToken");
        this.trace = Objects.requireNonNull(trace, "trace");
        if (maxPatchBytes <= 0) {
            throw new IllegalArgumentException("maxPatchBytes must be positive, got " + maxPatchBytes);
        }
        this.maxPatchBytes = maxPatchBytes;
    }

    /** Bytes the coordinator has acknowledged. */
    public long sentOffset() {
        return sentOffset;
    }

    /** Whether a {@code Job-Status: canceling} was seen. */
    public boolean cancelRequested() {
        return cancelRequested;
    }

    /** Total range mismatches (416) met so far. */
    public int rangeMismatches() {
        return rangeMismatches;
    }

    /**
     * Sends everything appended since the last acknowledged offset. Returns the last patch's result, or null when
     * there was nothing to send. Stops early on abort, not found, failure, or repeated range mismatches.
     */
    public TracePatchResult flush() {
        TracePatchResult last = null;
        byte[] buffer = new byte[(int) Math.min(maxPatchBytes, Math.max(1, trace.size() - sentOffset))];
        int mismatchesInARow = 0;
        while (sentOffset < trace.size()) {
            if (buffer.length < maxPatchBytes && trace.size() - sentOffset > buffer.length) {
                buffer = new byte[(int) Math.min(maxPatchBytes, trace.size() - sentOffset)];
            }
            int length = trace.read(sentOffset, buffer, 0, buffer.length);
            last = client.patchTrace(jobId, jobToken, sentOffset, buffer, 0, length);
            switch (last.outcome()) {
                case ACCEPTED, CANCEL_REQUESTED -> {
                    cancelRequested |= last.outcome() == TracePatchResult.Outcome.CANCEL_REQUESTED;
                    sentOffset = Math.min(last.offset(), trace.size());
                    mismatchesInARow = 0;
                }
                case RANGE_MISMATCH -> {
                    rangeMismatches++;
                    LOG.debug("job {} trace range mismatch: sent from {}, coordinator holds {}", jobId, sentOffset,
                            last.offset());
                    sentOffset = Math.min(last.offset(), trace.size());
                    if (++mismatchesInARow >= MAX_CONSECUTIVE_MISMATCHES) {
                        return last;
                    }
                }
                default -> {
                    return last;
                }
            }
        }
        return last;
    }

    /**
     * Finishes the job: sends what remains of the trace, then the final state with the trace's checksum and size,
     * repeating while the coordinator answers 202 (or 412, after resending the whole trace), at most
     * {@code maxAttempts} times, waiting the interval the coordinator asks for but at least {@code minInterval}.
     */
    public JobUpdateResult complete(JobState state, FailureReason reason, Integer exitCode, int maxAttempts,
            Duration minInterval) {
        JobUpdateResult result = null;
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            TracePatchResult patch = flush();
            if (patch != null && (patch.outcome() == TracePatchResult.Outcome.ABORT
                    || patch.outcome() == TracePatchResult.Outcome.NOT_FOUND)) {
                LOG.debug("job {} trace refused ({}) before the final update", jobId, patch.outcome());
            }
            JobUpdate update = new JobUpdate(state, reason, exitCode, trace.checksum(), trace.size());
            result = client.updateJob(jobId, jobToken, update);
            switch (result.outcome()) {
                case ACCEPTED, ABORT, CANCEL_REQUESTED -> {
                    return result;
                }
                case TRACE_RESET -> sentOffset = 0;
                default -> {
                    // 202 (still archiving), a conflict or a failure: wait, then send the update again
                }
            }
            if (attempt < maxAttempts) {
                Duration asked = result.remote().updateInterval().orElse(minInterval);
                client.pause(asked.compareTo(minInterval) < 0 ? minInterval : asked);
            }
        }
        return result;
    }
}
