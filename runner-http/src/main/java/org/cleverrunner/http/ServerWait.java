package org.cleverrunner.http;

import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.function.Function;

/**
 * The waits a server asks for: {@code RateLimit-ResetTime} (GitLab's, an RFC 1123 date) and {@code Retry-After}
 * (seconds or an RFC 1123 date), in the order given; a value that is neither is passed over.
 */
public final class ServerWait {

    /** GitLab's rate-limit header, then the standard one. */
    public static final String[] GITLAB_HEADERS = {"RateLimit-ResetTime", "Retry-After"};
    /** The standard header only. */
    public static final String[] RETRY_AFTER = {"Retry-After"};

    private ServerWait() {
    }

    /** The first readable wait among {@code names}, read through {@code header} (a response's header lookup). */
    public static Optional<Duration> of(Function<String, String> header, Clock clock, String... names) {
        for (String name : names) {
            String value = header.apply(name);
            if (value == null || value.isBlank()) {
                continue;
            }
            try {
                return Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(value.strip()))));
            } catch (NumberFormatException notSeconds) {
                try {
                    ZonedDateTime at = ZonedDateTime.parse(value.strip(), DateTimeFormatter.RFC_1123_DATE_TIME);
                    Duration until = Duration.between(clock.instant(), at.toInstant());
                    return Optional.of(until.isNegative() ? Duration.ZERO : until);
                } catch (DateTimeParseException unreadable) {
                    // neither seconds nor a date: the next header, else the caller's backoff
                }
            }
        }
        return Optional.empty();
    }
}
