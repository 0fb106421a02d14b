package org.cleverrunner.docker.internal;

import java.time.Duration;
import org.cleverrunner.spi.Durations;

/** How the executor's own lines look in a job log (GitLab's colours) and how values are made safe to show there. */
final class Messages {

    private Messages() {
    }

    static String warning(String text) {
        return "\u001b[0;33mWARNING: " + text + "\u001b[0;m";
    }

    /** A yellow line without the WARNING prefix: something the runner does, not something wrong. */
    static String notice(String text) {
        return "\u001b[0;33m" + text + "\u001b[0;m";
    }

    static String error(String text) {
        return "\u001b[31;1mERROR: " + text + "\u001b[0;m";
    }

    static String oneLine(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        message = message.replaceAll("\\s+", " ").strip();
        return message.length() > 400 ? message.substring(0, 400) + "…" : message;
    }

    /** A duration as people write it in .gitlab-ci.yml: {@code 5s}, {@code 10m}, {@code 1h30m}. */
    static String humanDuration(Duration duration) {
        return Durations.human(duration.isNegative() ? Duration.ZERO : duration);
    }

    /** Control characters and overlong values are not echoed back into the log as they are. */
    static String printable(String text) {
        String cleaned = text.replaceAll("[\\p{Cntrl}]", "?");
        return cleaned.length() > 80 ? cleaned.substring(0, 80) + "…" : cleaned;
    }
}
