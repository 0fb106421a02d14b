package org.cleverrunner.spi;

import java.time.Duration;
import java.util.Objects;

/**
 * Durations as people write them in {@code .gitlab-ci.yml} ({@code 5s}, {@code 10m}, {@code 1h30m}), for the lines
 * the engine and the executors write in a job's log. One implementation for every module that prints one.
 */
public final class Durations {

    private Durations() {
    }

    /**
     * {@code 5s}, {@code 10m}, {@code 1h30m}, {@code 2h0m5s} is {@code 2h5s}; whole seconds (a fraction is dropped),
     * {@code 0s} for zero, a leading {@code -} for a negative duration.
     */
    public static String human(Duration duration) {
        Objects.requireNonNull(duration, "duration");
        if (duration.isNegative()) {
            return "-" + human(duration.negated());
        }
        long seconds = duration.toSeconds();
        StringBuilder text = new StringBuilder();
        if (seconds >= 3600) {
            text.append(seconds / 3600).append('h');
        }
        if (seconds % 3600 >= 60) {
            text.append(seconds % 3600 / 60).append('m');
        }
        if (seconds % 60 > 0 || text.length() == 0) {
            text.append(seconds % 60).append('s');
        }
        return text.toString();
    }
}
