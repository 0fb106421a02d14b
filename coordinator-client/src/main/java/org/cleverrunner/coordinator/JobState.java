package org.cleverrunner.coordinator;

import java.util.Locale;

/** The states a runner reports in {@code PUT /jobs/:id}. */
public enum JobState {
    /** Keep-alive before the job is confirmed. */
    PENDING,
    /** The two-phase commit's confirmation, then the periodic "touch". */
    RUNNING,
    SUCCESS,
    FAILED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean isFinal() {
        return this == SUCCESS || this == FAILED;
    }
}
