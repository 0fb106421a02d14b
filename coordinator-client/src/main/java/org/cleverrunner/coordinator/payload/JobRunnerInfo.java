package org.cleverrunner.coordinator.payload;

/** {@code runner_info}: the job's execution timeout in seconds and the session URL, if any. */
public record JobRunnerInfo(long timeout, String runnerSessionUrl) {
}
