package org.cleverrunner.http;

import java.time.Duration;

/** Waits between attempts and polls; replaceable so that tests observe waits without spending them. */
@FunctionalInterface
public interface Sleeper {

    /** {@link Thread#sleep}: an interrupt ends the wait at once. */
    Sleeper SYSTEM = duration -> {
        if (!duration.isNegative() && !duration.isZero()) {
            Thread.sleep(duration.toMillis(), duration.toNanosPart() % 1_000_000);
        }
    };

    void sleep(Duration duration) throws InterruptedException;
}
