package org.cleverrunner.clevercloud.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;
import org.cleverrunner.clevercloud.RetryPolicy;
import org.cleverrunner.clevercloud.Sleeper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounded retries with jittered exponential backoff, honouring {@code Retry-After} (seconds or an HTTP date,
 * capped at the policy's {@code maxBackoff}). What is retried depends on the request's {@link CallKind} tag.
 * Logs carry the method and path only.
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
        CallKind kind = request.tag(CallKind.class) == null ? CallKind.IDEMPOTENT : request.tag(CallKind.class);
        int maxAttempts = request.body() != null && request.body().isOneShot() ? 1 : policy.maxAttempts();
        for (int attempt = 1; ; attempt++) {
            Response response;
            try {
                response = chain.proceed(request);
            } catch (IOException e) {
                boolean interrupted = e instanceof InterruptedIOException && Thread.currentThread().isInterrupted();
                if (attempt >= maxAttempts || interrupted || !retryable(kind, e)) {
                    throw e;
                }
                Duration wait = jitteredBackoff(attempt);
                LOG.debug("{} {} failed ({}), attempt {}/{}, retrying in {} ms", request.method(),
                        request.url().encodedPath(), e.getClass().getSimpleName(), attempt, maxAttempts,
                        wait.toMillis());
                pause(wait);
                continue;
            }
            if (attempt >= maxAttempts || !retryable(kind, response.code())) {
                return response;
            }
            int retry = attempt;
            Duration wait = serverRequestedWait(response).orElseGet(() -> jitteredBackoff(retry));
            if (wait.compareTo(policy.maxBackoff()) > 0) {
                wait = policy.maxBackoff();
            }
            LOG.debug("{} {} answered {}, attempt {}/{}, retrying in {} ms", request.method(),
                    request.url().encodedPath(), response.code(), attempt, maxAttempts, wait.toMillis());
            response.close();
            pause(wait);
        }
    }

    static boolean retryable(CallKind kind, int status) {
        if (kind == CallKind.CREATE) {
            return status == 429 || status == 503;
        }
        return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
    }

    static boolean retryable(CallKind kind, IOException e) {
        if (kind == CallKind.IDEMPOTENT) {
            return true;
        }
        // The request never reached the API: nothing can have been created.
        return e instanceof ConnectException || e instanceof UnknownHostException
                || e instanceof NoRouteToHostException;
    }

    private Optional<Duration> serverRequestedWait(Response response) {
        String retryAfter = response.header("Retry-After");
        if (retryAfter == null || retryAfter.isBlank()) {
            return Optional.empty();
        }
        try {
            long seconds = Long.parseLong(retryAfter.strip());
            return Optional.of(Duration.ofSeconds(Math.max(0, seconds)));
        } catch (NumberFormatException e) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(retryAfter.strip(), DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration until = Duration.between(clock.instant(), at.toInstant());
                return Optional.of(until.isNegative() ? Duration.ZERO : until);
            } catch (DateTimeParseException ignored) {
                return Optional.empty();
            }
        }
    }

    private Duration jitteredBackoff(int retry) {
        long ceiling = policy.backoffCeiling(retry).toMillis();
        // Jitter in [ceiling/2, ceiling]: spreads clients apart while the backoff still grows.
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
}
