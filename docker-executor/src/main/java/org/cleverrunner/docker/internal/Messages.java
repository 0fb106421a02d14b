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

    /** {@code 512 B}, {@code 12.3 KiB}, {@code 1.5 GiB}. */
    static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(java.util.Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    /** {@code 1.2 s (10.3 MiB/s)}: the time taken and the throughput of {@code bytes} over it. */
    static String rate(long bytes, long millis) {
        String seconds = String.format(java.util.Locale.ROOT, "%.1f s", millis / 1000.0);
        return millis <= 0 ? seconds : seconds + " (" + size(bytes * 1000 / millis) + "/s)";
    }

    /** Control characters and overlong values are not echoed back into the log as they are. */
    static String printable(String text) {
        String cleaned = text.replaceAll("[\\p{Cntrl}]", "?");
        return cleaned.length() > 80 ? cleaned.substring(0, 80) + "…" : cleaned;
    }
}
