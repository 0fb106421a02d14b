package org.cleverrunner.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The shared policy, the waits servers ask for, and the retry loop of operations that are not one HTTP call. */
class RetryingTest {

    final List<Duration> waits = new ArrayList<>();

    @Test
    void backoffGrowsWithinTheUpperHalfOfItsCeilingAndNeverPassesTheMaximum() {
        RetryPolicy policy = new RetryPolicy(10, Duration.ofMillis(100), Duration.ofSeconds(2), 2.0);
        SplittableRandom random = new SplittableRandom(7);
        for (int retry = 1; retry <= 9; retry++) {
            long ceiling = Math.min(100L << (retry - 1), 2000);
            assertThat(policy.backoffCeiling(retry)).isEqualTo(Duration.ofMillis(ceiling));
            for (int i = 0; i < 200; i++) {
                assertThat(policy.backoff(retry, random).toMillis()).isBetween(ceiling / 2, ceiling);
            }
        }
        assertThat(policy.capped(Duration.ofMinutes(5))).isEqualTo(Duration.ofSeconds(2));
        assertThat(RetryPolicy.NONE.backoff(1, random)).isZero();
        assertThatThrownBy(() -> new RetryPolicy(0, Duration.ZERO, Duration.ZERO, 1)).hasMessageContaining(
                "maxAttempts must be at least 1");
        assertThatThrownBy(() -> new RetryPolicy(2, Duration.ofMillis(-1), Duration.ZERO, 1)).hasMessageContaining(
                "must not be negative");
    }

    @Test
    void serverWaitsAreReadAsSecondsOrDatesInTheOrderGiven() {
        Clock clock = Clock.fixed(Instant.parse("2026-12-02T12:00:00Z"), ZoneOffset.UTC);
        Map<String, String> headers = Map.of("Retry-After", "7", "RateLimit-ResetTime", "Wed, 02 Dec 2026 12:00:30 GMT");
        assertThat(ServerWait.of(headers::get, clock, ServerWait.GITLAB_HEADERS)).contains(Duration.ofSeconds(30));
        assertThat(ServerWait.of(headers::get, clock, ServerWait.RETRY_AFTER)).contains(Duration.ofSeconds(7));
        assertThat(ServerWait.of(Map.of("Retry-After", "Wed, 02 Dec 2026 11:00:00 GMT")::get, clock,
                ServerWait.RETRY_AFTER)).contains(Duration.ZERO);
        assertThat(ServerWait.of(Map.of("Retry-After", "soon", "RateLimit-ResetTime", "")::get, clock,
                ServerWait.GITLAB_HEADERS)).isEmpty();
        assertThat(ServerWait.of(Map.of("Retry-After", "-3")::get, clock, ServerWait.RETRY_AFTER))
                .contains(Duration.ZERO);
    }

    @Test
    void retriesWhatTheRuleAcceptsThenThrowsTheLastFailure() throws Exception {
        Retrying retrying = new Retrying(new RetryPolicy(4, Duration.ofMillis(10), Duration.ofMillis(40), 2.0),
                waits::add);
        AtomicInteger calls = new AtomicInteger();
        List<Integer> told = new ArrayList<>();

        String result = retrying.call(e -> e instanceof IllegalStateException, (attempt, max, e, wait) ->
                told.add(attempt), () -> {
                    if (calls.incrementAndGet() < 3) {
                        throw new IllegalStateException("busy " + calls.get());
                    }
                    return "done";
                });

        assertThat(result).isEqualTo("done");
        assertThat(told).containsExactly(1, 2);
        assertThat(waits).hasSize(2);
        assertThat(waits.get(1)).isBetween(Duration.ofMillis(10), Duration.ofMillis(20));

        calls.set(0);
        assertThatThrownBy(() -> retrying.call(e -> true, Retrying.Listener.NONE, () -> {
            throw new IllegalStateException("always " + calls.incrementAndGet());
        })).hasMessage("always 4");
        assertThatThrownBy(() -> retrying.call(e -> e instanceof IllegalStateException, Retrying.Listener.NONE, () -> {
            throw new IllegalArgumentException("not worth it " + calls.incrementAndGet());
        })).hasMessage("not worth it 5");
    }

    @Test
    void anInterruptWhileWaitingEndsTheRetriesAtOnce() {
        Retrying retrying = new Retrying(new RetryPolicy(50, Duration.ofSeconds(10), Duration.ofSeconds(10), 1.0),
                Sleeper.SYSTEM);
        AtomicInteger calls = new AtomicInteger();
        Thread.currentThread().interrupt();
        long start = System.nanoTime();
        assertThatThrownBy(() -> retrying.call(e -> true, Retrying.Listener.NONE, () -> {
            calls.incrementAndGet();
            throw new IllegalStateException("down");
        })).isInstanceOf(InterruptedException.class);
        assertThat(calls).hasValue(1);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(Thread.interrupted()).isFalse();
    }
}
