package org.cleverrunner.docker.internal;

import java.nio.file.Path;
import java.util.Set;
import org.cleverrunner.spi.JobControl;
import org.cleverrunner.spi.JobPlan;
import org.cleverrunner.docker.internal.sources.FetchedSources;
import org.cleverrunner.docker.internal.sources.SourceFetcher;
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

    /**
     * Git and Mercurial working copies under {@code workRoot} on the runner host, with the list of tracked files
     * when a cache or artifact rule asks for untracked files.
     */
    static SourceProvider onHost(Path workRoot) {
        SourceFetcher fetcher = new SourceFetcher(workRoot);
        return (plan, trace, control) -> {
            FetchedSources fetched = fetcher.fetch(plan, trace, control);
            if (fetched.empty()) {
                return Fetched.none();
            }
            boolean wantsUntracked = plan.caches().stream().anyMatch(JobPlan.CacheRule::untracked)
                    || plan.artifacts().stream().anyMatch(JobPlan.ArtifactRule::untracked);
            Set<String> tracked = wantsUntracked ? TrackedFiles.list(fetched.directory(), plan.sources().vcs())
                    : Set.of();
            return new Fetched(fetched.directory(), tracked);
        };
    }
}
