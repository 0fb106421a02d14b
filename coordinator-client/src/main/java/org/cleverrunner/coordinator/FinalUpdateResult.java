package org.cleverrunner.coordinator;

import java.time.Duration;
import java.util.Objects;

/**
 * How a job's final update ended.
 *
 * @param attempts how many final PUTs were sent (or tried)
 * @param lastStatus the last HTTP status, 0 when the last attempt got no answer
 * @param lastAnswer the last answer, null when the last attempt got none
 * @param elapsed from the first attempt to the end, on the client's clock
 * @param detail a short description of the last answer or failure, safe to log
 */
public record FinalUpdateResult(Outcome outcome, int attempts, int lastStatus, JobUpdateResult lastAnswer,
        Duration elapsed, String detail) {

    public enum Outcome {
        /** 200: the coordinator has the final state. */
        DELIVERED,
        /** Refused for good (403, 404, {@code Job-Status: canceled|failed}, another client error, conflicts). */
        REFUSED,
        /** Still not taken when the policy's horizon ran out, or the thread was interrupted. */
        GAVE_UP
    }

    public FinalUpdateResult {
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(elapsed, "elapsed");
        detail = detail == null ? "" : detail;
    }

    public boolean delivered() {
        return outcome == Outcome.DELIVERED;
    }
}
