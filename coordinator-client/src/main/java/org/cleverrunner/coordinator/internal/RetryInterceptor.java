package org.cleverrunner.coordinator.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.ThreadLocalRandom;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;
import org.cleverrunner.coordinator.RetryPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retries a call where the runner protocol says to: retryable statuses and connection failures, honouring
 * {@code RateLimit-ResetTime} then {@code Retry-After}, else exponential backoff with full jitter. A one-shot body
 * (a streamed artifact) is never sent twice.
 */
public final class RetryInterceptor implements Interceptor {

    private static final Logger LOG = LoggerFactory.getLogger(RetryInterceptor.class);

    private final RetryPolicy policy;
    private final Clock clock;
    private final Sleeper sleeper;

    public RetryInterceptor(RetryPolicy policy, Clock clock, Sleeper sleeper) {
        this.policy = policy;
        this.clock = clock;
        this.sleeper = sleeper;
    }

    @Override
    public Response intercept(Chain chain) throws IOException {
        Request request = chain.request();
        RetryPolicy effective = request.tag(RetryPolicy.class) != null ? request.tag(RetryPolicy.class) : policy;
        boolean replayable = request.body() == null || !request.body().isOneShot();
        int maxAttempts = replayable ? effective.maxAttempts() : 1;
        for (int attempt = 1; ; attempt++) {
            Response response;
            try {
                response = chain.proceed(request);
            } catch (IOException e) {
                if (attempt >= maxAttempts || e instanceof InterruptedIOException && Thread.currentThread().isInterrupted()) {
                    throw e;
                }
                Duration wait = jitteredBackoff(effective, attempt);
                LOG.debug("{} {} failed ({}), attempt {}/{}, retrying in {} ms", request.method(), safePath(request),
                        e.getClass().getSimpleName(), attempt, maxAttempts, wait.toMillis());
                pause(wait);
                continue;
            }
            if (!RetryPolicy.isRetryableStatus(response.code()) || attempt >= maxAttempts) {
                return response;
            }
            int retry = attempt;
            Duration wait = serverRequestedWait(response).orElseGet(() -> jitteredBackoff(effective, retry));
            wait = wait.compareTo(effective.maxBackoff()) > 0 ? effective.maxBackoff() : wait;
            LOG.debug("{} {} answered {}, attempt {}/{}, retrying in {} ms", request.method(), safePath(request),
                    response.code(), attempt, maxAttempts, wait.toMillis());
            response.close();
            pause(wait);
        }
    }

    private java.util.Optional<Duration> serverRequestedWait(Response response) {
        String reset = response.header("RateLimit-ResetTime");
        if (reset != null) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(reset.strip(), DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration until = Duration.between(clock.instant(), at.toInstant());
                return java.util.Optional.of(until.isNegative() ? Duration.ZERO : until);
            } catch (DateTimeParseException e) {
                // fall through to Retry-After
            }
        }
        String retryAfter = response.header("Retry-After");
        if (retryAfter != null) {
            try {
                long seconds = Long.parseLong(retryAfter.strip());
                return java.util.Optional.of(Duration.ofSeconds(Math.max(0, seconds)));
            } catch (NumberFormatException e) {
                try {
                    ZonedDateTime at = ZonedDateTime.parse(retryAfter.strip(), DateTimeFormatter.RFC_1123_DATE_TIME);
                    Duration until = Duration.between(clock.instant(), at.toInstant());
                    return java.util.Optional.of(until.isNegative() ? Duration.ZERO : until);
                } catch (DateTimeParseException ignored) {
                    // neither seconds nor a date: use the backoff
                }
            }
        }
        return java.util.Optional.empty();
    }

    private static Duration jitteredBackoff(RetryPolicy policy, int retry) {
        long ceiling = policy.backoffCeiling(retry).toMillis();
        // Full jitter, but never less than half the ceiling so the backoff still grows.
        long half = ceiling / 2;
        return Duration.ofMillis(half + (ceiling - half == 0 ? 0 : ThreadLocalRandom.current().nextLong(ceiling - half + 1)));
    }

    private void pause(Duration wait) throws InterruptedIOException {
        try {
            sleeper.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting to retry");
        }
    }

    /** The path only: query strings of redirects may carry signatures. */
    static String safePath(Request request) {
        return request.url().encodedPath();
    }
}
