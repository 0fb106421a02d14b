package org.cleverrunner.clevercloud;

import java.time.Duration;
import java.util.Objects;

/**
 * How the client retries: at most {@code maxAttempts} in all, waiting what {@code Retry-After} asks (capped at
 * {@code maxBackoff}), else an exponential backoff with jitter from {@code initialBackoff} up to {@code maxBackoff}.
 *
 * <p>Which failures are retried depends on the call. Idempotent calls (GET, PUT, DELETE) are retried on connection
 * failures and timeouts and on 408, 429, 500, 502, 503 and 504. Calls that create something (POST an application,
 * POST a (re)deployment) are retried only when the request surely was not processed: 429 and 503 (refused before
 * processing) and failures to connect; never after a read timeout or a 500/502/504, which may follow a creation.
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, double multiplier) {

    /** 5 attempts, 1 s to 30 s, doubling (the Terraform provider's policy for application creation). */
    public static final RetryPolicy DEFAULT = new RetryPolicy(5, Duration.ofSeconds(1), Duration.ofSeconds(30), 2.0);

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
}
