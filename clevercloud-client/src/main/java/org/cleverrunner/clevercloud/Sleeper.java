package org.cleverrunner.clevercloud;

import java.time.Duration;

/** Waits between attempts and between polls; replaceable so tests observe waits without spending them. */
@FunctionalInterface
public interface Sleeper {

    Sleeper SYSTEM = duration -> {
        if (!duration.isNegative() && !duration.isZero()) {
            Thread.sleep(duration.toMillis(), duration.toNanosPart() % 1_000_000);
        }
    };

    void sleep(Duration duration) throws InterruptedException;
}
