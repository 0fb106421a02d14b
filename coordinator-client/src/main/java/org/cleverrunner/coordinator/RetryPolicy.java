package org.cleverrunner.coordinator;

import java.time.Duration;
import java.util.Objects;

/**
 * How the client retries what the protocol says to retry (408, 429, 500, 502, 503, 504, any status from 512, and
 * connection failures): at most {@code maxAttempts} in all, waiting what {@code RateLimit-ResetTime} or
 * {@code Retry-After} ask, else an exponential backoff with full jitter from {@code initialBackoff} to
 * {@code maxBackoff}. No single wait exceeds {@code maxBackoff}.
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, double multiplier) {

    /** GitLab Runner's policy: 5 attempts, 100 ms to 60 s, doubling. */
    public static final RetryPolicy DEFAULT = new RetryPolicy(5, Duration.ofMillis(100), Duration.ofSeconds(60), 2.0);

    /** One attempt: no retry. */
    public static final RetryPolicy NONE = new RetryPolicy(1, Duration.ZERO, Duration.ZERO, 1.0);

    public RetryPolicy {
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
        }
        if (multiplier < 1.0) {
            throw new IllegalArgumentException("multiplier must be at least 1, got " + multiplier);
        }
    }

    /** Whether the protocol says a response with this status is worth another attempt. */
    public static boolean isRetryableStatus(int status) {
        return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 || status == 504
                || status >= 512;
    }

    /** The backoff ceiling before the given retry (1 for the first retry), before jitter. */
    public Duration backoffCeiling(int retry) {
        double millis = initialBackoff.toMillis() * Math.pow(multiplier, Math.max(0, retry - 1));
        return Duration.ofMillis((long) Math.min(millis, maxBackoff.toMillis()));
    }
}
