package org.cleverrunner.cli.exec;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GitLab's human durations (Ruby's ChronicDuration) as {@code timeout} takes them: {@code 1h 30m},
 * {@code 10 minutes}, {@code 3 hours and 20 minutes}, {@code 2h20min}, {@code 1 day}, {@code 90} (seconds).
 */
final class GitLabDuration {

    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([a-z]*)");

    private GitLabDuration() {
    }

    /** The duration, or empty-handed with an {@link IllegalArgumentException} naming the bad part. */
    static Duration parse(String text) {
        String rest = text.toLowerCase(Locale.ROOT).replace(",", " ").replaceAll("\\band\\b", " ").strip();
        if (rest.isEmpty()) {
            throw new IllegalArgumentException("empty duration");
        }
        Matcher matcher = PART.matcher(rest);
        long millis = 0;
        int at = 0;
        while (at < rest.length()) {
            if (Character.isWhitespace(rest.charAt(at))) {
                at++;
                continue;
            }
            if (!matcher.find(at) || matcher.start() != at) {
                throw new IllegalArgumentException("cannot read '" + text + "' as a duration (e.g. 1h 30m, 10 minutes)");
            }
            double amount = Double.parseDouble(matcher.group(1));
            millis += Math.round(amount * unitMillis(matcher.group(2), text));
            at = matcher.end();
        }
        return Duration.ofMillis(millis);
    }

    private static long unitMillis(String unit, String text) {
        return switch (unit) {
            case "", "s", "sec", "secs", "second", "seconds" -> 1_000L;
            case "m", "min", "mins", "minute", "minutes" -> 60_000L;
            case "h", "hr", "hrs", "hour", "hours" -> 3_600_000L;
            case "d", "day", "days" -> 86_400_000L;
            case "w", "wk", "wks", "week", "weeks" -> 7 * 86_400_000L;
            default -> throw new IllegalArgumentException("unknown unit '" + unit + "' in duration '" + text + "'");
        };
    }
}
