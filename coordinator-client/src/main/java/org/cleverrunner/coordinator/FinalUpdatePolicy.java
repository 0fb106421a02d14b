package org.cleverrunner.coordinator;

import java.time.Duration;
import java.util.Objects;

/**
 * How long and how often {@link TraceUploader#complete(JobState, FailureReason, Integer)} repeats a job's final
 * update until the coordinator takes it (200) or refuses it for good (403, 404, {@code Job-Status: canceled|failed},
 * another client error, or a two-phase conflict that persists).
 *
 * <p>A 202 (trace still being archived) is repeated after the interval the coordinator asks for
 * ({@code X-GitLab-Trace-Update-Interval}), at least {@code minInterval}. An outage (no answer, 408, 429, 5xx after
 * the client's own retries) is repeated with exponential backoff and jitter from {@code initialBackoff} to
 * {@code maxBackoff}, or after the coordinator's {@code Retry-After} when it is longer. Everything stops at
 * {@code horizon} after the first attempt.
 *
 * @param horizon how long to keep trying; the default is a day, since a job token stays valid while GitLab waits
 * @param maxConflicts consecutive 409 answers after which the job is taken as held by another runner manager
 */
public record FinalUpdatePolicy(Duration horizon, Duration minInterval, Duration initialBackoff, Duration maxBackoff,
        int maxConflicts) {

    /** A day; 202 repeated after at least 1 s; outages from 1 s to 1 min between attempts; 5 conflicts. */
    public static final FinalUpdatePolicy DEFAULT = new FinalUpdatePolicy(Duration.ofHours(24), Duration.ofSeconds(1),
            Duration.ofSeconds(1), Duration.ofMinutes(1), 5);

    /** The longest wait honoured from a {@code Retry-After} or update interval. */
    static final Duration MAX_SERVER_WAIT = Duration.ofMinutes(15);

    public FinalUpdatePolicy {
        Objects.requireNonNull(horizon, "horizon");
        Objects.requireNonNull(minInterval, "minInterval");
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (horizon.isNegative() || minInterval.isNegative() || initialBackoff.isNegative() || maxBackoff.isNegative()) {
            throw new IllegalArgumentException("durations must not be negative");
        }
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("maxBackoff " + maxBackoff + " is shorter than initialBackoff "
                    + initialBackoff);
        }
        if (maxConflicts < 1) {
            throw new IllegalArgumentException("maxConflicts must be at least 1, got " + maxConflicts);
        }
    }

    public FinalUpdatePolicy withHorizon(Duration horizon) {
        return new FinalUpdatePolicy(horizon, minInterval, initialBackoff, maxBackoff, maxConflicts);
    }

    /** The backoff ceiling before the given retry (1 for the first), before jitter. */
    Duration backoffCeiling(int retry) {
        double millis = initialBackoff.toMillis() * Math.pow(2, Math.min(30, Math.max(0, retry - 1)));
        return Duration.ofMillis((long) Math.min(millis, maxBackoff.toMillis()));
    }
}
