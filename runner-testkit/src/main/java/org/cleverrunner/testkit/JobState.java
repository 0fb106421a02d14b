package org.cleverrunner.testkit;

import java.util.Locale;

/** A job's status as Rails names it (the value of the {@code Job-Status} header). */
public enum JobState {
    PENDING, RUNNING, CANCELING, SUCCESS, FAILED, CANCELED;

    /** The lower-case wire name, e.g. {@code "canceling"}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** True for success, failed and canceled. */
    public boolean isFinal() {
        return this == SUCCESS || this == FAILED || this == CANCELED;
    }

    @Override
    public String toString() {
        return wireName();
    }
}
