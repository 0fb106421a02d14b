package org.cleverrunner.http;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

/**
 * Tries an operation that is not one HTTP call (delete a VM, create-or-find it) under a {@link RetryPolicy}: the
 * failures {@code retryable} accepts are tried again after the policy's backoff, the last one is thrown. An
 * interrupt while waiting ends it at once, with the interrupt.
 */
public final class Retrying {

    /** An operation that may fail with an unchecked exception, or be interrupted. */
    @FunctionalInterface
    public interface Operation<T> {
        T run() throws InterruptedException;
    }

    /** What each failed attempt is told to (a log line, a metric). */
    @FunctionalInterface
    public interface Listener {
        void failed(int attempt, int maxAttempts, RuntimeException failure, Duration nextWait);

        Listener NONE = (attempt, max, failure, wait) -> { };
    }

    private final RetryPolicy policy;
    private final Sleeper sleeper;

    public Retrying(RetryPolicy policy, Sleeper sleeper) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
    }

    public RetryPolicy policy() {
        return policy;
    }

    /** The operation's result, after at most the policy's attempts. */
    public <T> T call(Predicate<RuntimeException> retryable, Listener listener, Operation<T> operation)
            throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                return operation.run();
            } catch (RuntimeException e) {
                if (attempt >= policy.maxAttempts() || !retryable.test(e)) {
                    throw e;
                }
                Duration wait = policy.backoff(attempt, ThreadLocalRandom.current());
                listener.failed(attempt, policy.maxAttempts(), e, wait);
                sleeper.sleep(wait);
            }
        }
    }
}
