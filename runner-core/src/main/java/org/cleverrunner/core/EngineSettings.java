package org.cleverrunner.core;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The global part of config.toml: how many jobs at once ({@code concurrent}), how often each runner asks for jobs
 * ({@code check_interval}), how long a forceful stop waits for aborted jobs to report ({@code shutdown_timeout},
 * 30 s as GitLab Runner), and where the journal lives.
 */
public record EngineSettings(int concurrent, Duration checkInterval, Duration shutdownTimeout, Path journalFile,
        List<RunnerSettings> runners) {

    public EngineSettings {
        concurrent = Math.max(1, concurrent);
        checkInterval = checkInterval == null || checkInterval.isZero() || checkInterval.isNegative()
                ? Duration.ofSeconds(3) : checkInterval;
        shutdownTimeout = shutdownTimeout == null ? Duration.ofSeconds(30) : shutdownTimeout;
        runners = RunnerSettings.copy(runners);
    }
}
