package org.cleverrunner.docker.internal;

import java.nio.file.Path;
import java.util.Set;
import org.cleverrunner.spi.JobControl;
import org.cleverrunner.spi.JobPlan;
import org.cleverrunner.spi.Trace;

/** Fetches a job's sources on the runner host, into a directory the executor then streams into the build volume. */
@FunctionalInterface
public interface SourceProvider {

    /**
     * @return the working copy, or a result with a null directory when the job asked for no sources
     *     ({@code GIT_STRATEGY=none})
     */
    Fetched fetch(JobPlan plan, Trace trace, JobControl control) throws InterruptedException;

    /** A working copy and the files its VCS tracks (for {@code untracked} artifacts and caches). */
    record Fetched(Path directory, Set<String> trackedFiles) {
        public static Fetched none() {
            return new Fetched(null, Set.of());
        }
    }

    /** Fails any job that asks for sources: for hosts and tests without a VCS. */
    SourceProvider NONE = (plan, trace, control) -> {
        if (!"none".equals(plan.variable("GIT_STRATEGY").orElse(""))) {
            throw new IllegalStateException("no source fetcher is configured; set GIT_STRATEGY=none");
        }
        trace.line("Skipping Git repository setup");
        return Fetched.none();
    };
}
