package org.cleverrunner.coordinator;

import java.time.Duration;
import java.util.Optional;

/**
 * What the coordinator said about the job alongside an answer: its {@code Job-Status} header and the
 * {@code X-GitLab-Trace-Update-Interval} it asks the runner to use (capped at 15 minutes).
 */
public record RemoteJobStatus(Optional<String> jobStatus, Optional<Duration> updateInterval) {

    static final Duration MAX_UPDATE_INTERVAL = Duration.ofMinutes(15);

    public static RemoteJobStatus none() {
        return new RemoteJobStatus(Optional.empty(), Optional.empty());
    }

    /** The coordinator asks the runner to stop the script, then run after_script and upload (graceful cancel). */
    public boolean cancelRequested() {
        return jobStatus.filter("canceling"::equals).isPresent();
    }

    /** The coordinator no longer wants anything from this job: stop everything. */
    public boolean abortRequested() {
        return jobStatus.filter(s -> s.equals("canceled") || s.equals("failed")).isPresent();
    }
}
