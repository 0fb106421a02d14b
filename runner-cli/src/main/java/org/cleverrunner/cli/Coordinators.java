package org.cleverrunner.cli;

import java.time.Duration;
import java.util.Locale;
import org.cleverrunner.coordinator.CoordinatorClient;
import org.cleverrunner.http.RetryPolicy;
import org.cleverrunner.coordinator.RunnerInfo;
import org.cleverrunner.coordinator.TlsOptions;
import org.cleverrunner.core.RunnerSettings;

/** Coordinator clients for the one-shot management commands, and how they show tokens. */
final class Coordinators {

    // A person is waiting: a few quick retries, not the service's minute-long backoff.
    private static final RetryPolicy INTERACTIVE = new RetryPolicy(3, Duration.ofMillis(200), Duration.ofSeconds(2),
            2.0);

    private Coordinators() {
    }

    static CoordinatorClient client(String url, TlsOptions tls, String executor) {
        return CoordinatorClient.builder().url(url).tls(tls).runnerInfo(RunnerInfo.defaults().withExecutor(executor,
                        "sh")).connectTimeout(Duration.ofSeconds(10)).readTimeout(Duration.ofSeconds(30))
                .writeTimeout(Duration.ofSeconds(30)).retryPolicy(INTERACTIVE).build();
    }

    static CoordinatorClient client(RunnerSettings runner) {
        return client(runner.url(), runner.tls(), runner.executor());
    }

    /**
     * A token as {@code list} shows it: its prefix and the start of its body ({@code glrt-abcd1234…}), at most eight
     * characters and never more than half the body, so the whole token is never on screen.
     */
    static String maskedToken(String token) {
        int dash = token.indexOf('-');
        String prefix = dash >= 0 && dash < 8 ? token.substring(0, dash + 1) : "";
        String body = token.substring(prefix.length());
        return prefix + body.substring(0, Math.min(8, body.length() / 2)) + "…";
    }

    /** Whether a token is a runner authentication token (created in GitLab's UI or returned by registration). */
    static boolean isRunnerToken(String token) {
        return token.toLowerCase(Locale.ROOT).startsWith("glrt-");
    }
}
