package org.cleverrunner.coordinator;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a job's {@link TraceBuffer} to the coordinator incrementally, as GitLab Runner does: patches of at most
 * {@code maxPatchBytes} from the last acknowledged offset, resynchronising on 416 from the coordinator's
 * {@code Range}, and a final update that carries the whole trace's checksum and size and is repeated on 202 and
 * through outages until the coordinator takes it ({@link #complete(JobState, FailureReason, Integer)}).
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
     * Finishes the job durably: sends what remains of the trace, then the final state with the whole trace's
     * checksum and size, and repeats both as the client's {@link CoordinatorClient#finalUpdatePolicy()} says until
     * the coordinator takes it (200) or refuses it for good. A 202 is repeated whatever {@code Job-Status} says
     * (that is how a {@code canceling} job becomes {@code canceled}); an outage (no answer, 408, 429, 5xx) is
     * repeated with backoff and jitter, for as long as the policy's horizon.
     */
    public FinalUpdateResult complete(JobState state, FailureReason reason, Integer exitCode) {
        return complete(state, reason, exitCode, client.finalUpdatePolicy());
    }

    /** The same with an explicit policy. */
    public FinalUpdateResult complete(JobState state, FailureReason reason, Integer exitCode, FinalUpdatePolicy policy) {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(policy, "policy");
        Clock clock = client.clock();
        Instant started = clock.instant();
        Instant deadline = started.plus(policy.horizon());
        int attempts = 0;
        int failuresInARow = 0;
        int conflicts = 0;
        boolean outageLogged = false;
        while (true) {
            attempts++;
            JobUpdateResult result = null;
            String detail;
            Duration wait;
            try {
                result = sendFinal(state, reason, exitCode);
                detail = result == null ? "the rest of the trace was not taken"
                        : "answered " + result.status() + result.remote().jobStatus()
                                .map(s -> " (Job-Status " + s + ")").orElse("");
            } catch (CoordinatorException e) {
                if (Thread.currentThread().isInterrupted()) {
                    return end(FinalUpdateResult.Outcome.GAVE_UP, attempts, null, started, clock,
                            "interrupted: " + e.getMessage());
                }
                detail = e.getMessage();
            }
            if (result != null) {
                switch (result.outcome()) {
                    case ACCEPTED, CANCEL_REQUESTED -> {
                        if (outageLogged) {
                            LOG.info("job {}: final state {} delivered after {} attempts", jobId, state.wireName(),
                                    attempts);
                        }
                        return end(FinalUpdateResult.Outcome.DELIVERED, attempts, result, started, clock, detail);
                    }
                    case ABORT -> {
                        // 200 with Job-Status canceled|failed: the coordinator took the update and says the
                        // job's new state (a canceling job becomes canceled); 403, 404: refused for good
                        return end(result.status() == 200 ? FinalUpdateResult.Outcome.DELIVERED
                                : FinalUpdateResult.Outcome.REFUSED, attempts, result, started, clock, detail);
                    }
                    case CONFLICT -> {
                        if (++conflicts >= policy.maxConflicts()) {
                            return end(FinalUpdateResult.Outcome.REFUSED, attempts, result, started, clock,
                                    detail + ", " + conflicts + " times in a row");
                        }
                    }
                    case FAILED -> {
                        if (!org.cleverrunner.coordinator.internal.ProtocolRetries.isRetryableStatus(result.status())) {
                            // 400, 401, 405, 413, 422…: sending the same update again cannot change the answer
                            return end(FinalUpdateResult.Outcome.REFUSED, attempts, result, started, clock, detail);
                        }
                    }
                    default -> {
                        // 202 (still archiving) or 412 (trace reset): handled below
                    }
                }
            }
            boolean outage = result == null || result.outcome() == JobUpdateResult.Outcome.FAILED
                    || result.outcome() == JobUpdateResult.Outcome.CONFLICT;
            if (outage) {
                failuresInARow++;
                wait = jittered(policy.backoffCeiling(failuresInARow));
                if (result != null && result.retryAfter().isPresent()) {
                    wait = max(wait, min(result.retryAfter().get(), FinalUpdatePolicy.MAX_SERVER_WAIT));
                }
                if (!outageLogged) {
                    outageLogged = true;
                    LOG.warn("job {}: the coordinator did not take the final state {} ({}); repeating it with backoff"
                            + " for up to {}", jobId, state.wireName(), Redact.safe(detail), policy.horizon());
                } else {
                    LOG.debug("job {}: final update attempt {} {}", jobId, attempts, Redact.safe(detail));
                }
            } else {
                failuresInARow = 0;
                conflicts = 0;
                if (result.outcome() == JobUpdateResult.Outcome.TRACE_RESET) {
                    sentOffset = 0;
                }
                Duration asked = min(result.remote().updateInterval().orElse(policy.minInterval()),
                        FinalUpdatePolicy.MAX_SERVER_WAIT);
                wait = max(asked, policy.minInterval());
                LOG.debug("job {}: final update {}, repeating in {} ms", jobId, detail, wait.toMillis());
            }
            Instant now = clock.instant();
            if (!now.isBefore(deadline)) {
                LOG.debug("job {}: final update horizon {} reached after {} attempts", jobId, policy.horizon(),
                        attempts);
                return end(FinalUpdateResult.Outcome.GAVE_UP, attempts, result, started, clock,
                        "not taken within " + policy.horizon() + ": " + Redact.safe(detail));
            }
            Duration left = Duration.between(now, deadline);
            try {
                client.pause(min(wait, left));
            } catch (CoordinatorTransportException interrupted) {
                return end(FinalUpdateResult.Outcome.GAVE_UP, attempts, result, started, clock, "interrupted");
            }
        }
    }

    private static FinalUpdateResult end(FinalUpdateResult.Outcome outcome, int attempts, JobUpdateResult last,
            Instant started, Clock clock, String detail) {
        return new FinalUpdateResult(outcome, attempts, last == null ? 0 : last.status(), last,
                Duration.between(started, clock.instant()), Redact.safe(detail));
    }

    /** Between half the ceiling and the ceiling, so that the backoff still grows and runners do not synchronise. */
    private static Duration jittered(Duration ceiling) {
        long millis = ceiling.toMillis();
        long half = millis / 2;
        return Duration.ofMillis(half + (millis - half <= 0 ? 0 : ThreadLocalRandom.current().nextLong(millis - half + 1)));
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** Messages built by the client are already masked; this is a second net for the log. */
    private static final class Redact {
        static String safe(String text) {
            return org.cleverrunner.coordinator.internal.Redactor.redact(text);
        }
    }

    /** One round of the final update: the trace's rest, then the state with the whole trace's checksum and size. */
    private JobUpdateResult sendFinal(JobState state, FailureReason reason, Integer exitCode) {
        TracePatchResult patch = flush();
        if (patch != null && (patch.outcome() == TracePatchResult.Outcome.ABORT
                || patch.outcome() == TracePatchResult.Outcome.NOT_FOUND)) {
            LOG.debug("job {} trace refused ({}) before the final update", jobId, patch.outcome());
        } else if (patch != null && patch.outcome() == TracePatchResult.Outcome.FAILED && sentOffset < trace.size()) {
            // GitLab takes a final state over an incomplete trace and archives what it holds: the end of the log
            // (often the error) would be lost, so the state waits until the trace's rest is taken
            return null;
        }
        return client.updateJob(jobId, jobToken, new JobUpdate(state, reason, exitCode, trace.checksum(), trace.size()));
    }
}
