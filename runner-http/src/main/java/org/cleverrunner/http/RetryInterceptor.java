package org.cleverrunner.http;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retries an OkHttp call under a {@link RetryPolicy} (a request's own policy, as its tag, overrides the client's),
 * where the client's {@link Rule} says to: the wait is what the server asked for (capped at the policy's
 * {@code maxBackoff}), else the policy's backoff. A one-shot body (a streamed upload) is never sent twice, and an
 * interrupt ends the retries. Logs carry the method and path only: query strings may carry signatures.
 */
public final class RetryInterceptor implements Interceptor {

    /** Which outcomes of a request are worth another attempt: each client's protocol decides. */
    public interface Rule {
        /** Whether a response with this status is retried. */
        boolean retries(Request request, int status);

        /** Whether a transport failure is retried. */
        boolean retries(Request request, IOException failure);
    }

    private static final Logger LOG = LoggerFactory.getLogger(RetryInterceptor.class);

    private final RetryPolicy policy;
    private final Rule rule;
    private final Clock clock;
    private final Sleeper sleeper;
    private final String[] waitHeaders;

    /** {@code waitHeaders}: the headers a server's requested wait is read from, in order ({@link ServerWait}). */
    public RetryInterceptor(RetryPolicy policy, Rule rule, Clock clock, Sleeper sleeper, String... waitHeaders) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.rule = Objects.requireNonNull(rule, "rule");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
        this.waitHeaders = waitHeaders.clone();
    }

    @Override
    public Response intercept(Chain chain) throws IOException {
        Request request = chain.request();
        RetryPolicy effective = request.tag(RetryPolicy.class) != null ? request.tag(RetryPolicy.class) : policy;
        int maxAttempts = request.body() != null && request.body().isOneShot() ? 1 : effective.maxAttempts();
        for (int attempt = 1; ; attempt++) {
            Response response;
            try {
                response = chain.proceed(request);
            } catch (IOException e) {
                boolean interrupted = e instanceof InterruptedIOException && Thread.currentThread().isInterrupted();
                if (attempt >= maxAttempts || interrupted || !rule.retries(request, e)) {
                    throw e;
                }
                Duration wait = effective.backoff(attempt, ThreadLocalRandom.current());
                LOG.debug("{} {} failed ({}), attempt {}/{}, retrying in {} ms", request.method(),
                        request.url().encodedPath(), e.getClass().getSimpleName(), attempt, maxAttempts,
                        wait.toMillis());
                pause(wait);
                continue;
            }
            if (attempt >= maxAttempts || !rule.retries(request, response.code())) {
                return response;
            }
            int retry = attempt;
            Duration wait = effective.capped(ServerWait.of(response::header, clock, waitHeaders)
                    .orElseGet(() -> effective.backoff(retry, ThreadLocalRandom.current())));
            LOG.debug("{} {} answered {}, attempt {}/{}, retrying in {} ms", request.method(),
                    request.url().encodedPath(), response.code(), attempt, maxAttempts, wait.toMillis());
            response.close();
            pause(wait);
        }
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
