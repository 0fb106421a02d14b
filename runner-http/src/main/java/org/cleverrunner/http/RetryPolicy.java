package org.cleverrunner.http;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * How often and how patiently an operation is tried: at most {@code maxAttempts} in all, waiting before each retry
 * an exponential backoff from {@code initialBackoff} (growing by {@code multiplier}) up to {@code maxBackoff}, with
 * jitter in the upper half of that ceiling so that clients spread apart while the backoff still grows. What is worth
 * retrying is each caller's rule, not the policy's.
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, double multiplier) {

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
        if (initialBackoff.isNegative() || maxBackoff.isNegative()) {
            throw new IllegalArgumentException("backoffs must not be negative");
        }
    }

    /** The same policy with another number of attempts. */
    public RetryPolicy withMaxAttempts(int attempts) {
        return new RetryPolicy(attempts, initialBackoff, maxBackoff, multiplier);
    }

    /** The backoff ceiling before the given retry (1 for the first retry), before jitter. */
    public Duration backoffCeiling(int retry) {
        double millis = initialBackoff.toMillis() * Math.pow(multiplier, Math.max(0, retry - 1));
        return Duration.ofMillis((long) Math.min(millis, maxBackoff.toMillis()));
    }

    /** The wait before the given retry: uniform in [ceiling / 2, ceiling]. */
    public Duration backoff(int retry, RandomGenerator random) {
        long ceiling = backoffCeiling(retry).toMillis();
        long half = ceiling / 2;
        return Duration.ofMillis(half + (ceiling == half ? 0 : random.nextLong(ceiling - half + 1)));
    }

    /** A server's requested wait, capped at {@link #maxBackoff} so that no single wait exceeds it. */
    public Duration capped(Duration wait) {
        return wait.compareTo(maxBackoff) > 0 ? maxBackoff : wait;
    }
}
