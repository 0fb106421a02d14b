package org.cleverrunner.docker.internal;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.cleverrunner.docker.internal.sources.SourceFetcher;
import org.cleverrunner.spi.JobControl;
import org.cleverrunner.spi.JobPlan;
import org.cleverrunner.spi.Trace;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Fetches a job's sources on the runner host into a snapshot of its own, which the executor streams into the volume. */
@FunctionalInterface
public interface SourceProvider {

    /**
     * @return the job's snapshot, or {@link Fetched#none()} when the job asked for no sources
     *     ({@code GIT_STRATEGY=none}); the caller closes it, whatever happens
     */
    Fetched fetch(JobPlan plan, Trace trace, JobControl control) throws InterruptedException;

    /**
     * What a job got of its sources, owned by that job alone: nothing another job does can change it.
     *
     * @param snapshotTar a tar of the job's checkout ({@code .git}/{@code .hg} included) under the project
     *     directory's leaf name, to extract in its parent; null when there are no sources. Closing deletes it.
     * @param trackedFiles the files the VCS tracks (for {@code untracked} artifacts and caches), listed on the
     *     same checkout
     */
    record Fetched(Path snapshotTar, Set<String> trackedFiles) implements AutoCloseable {
        private static final Logger LOG = LoggerFactory.getLogger(Fetched.class);

        public Fetched {
            trackedFiles = Set.copyOf(trackedFiles);
        }

        public static Fetched none() {
            return new Fetched(null, Set.of());
        }

        @Override
        public void close() {
            if (snapshotTar == null) {
                return;
            }
            try {
                Files.deleteIfExists(snapshotTar);
            } catch (IOException e) {
                LOG.warn("cannot delete the sources snapshot {}: {}", snapshotTar, e.toString());
            }
        }
    }

    /** {@link #onHost(Path, int)} with {@link SourceFetcher#DEFAULT_MAX_WORKING_COPIES}. */
    static SourceProvider onHost(Path workRoot) {
        return onHost(workRoot, SourceFetcher.DEFAULT_MAX_WORKING_COPIES);
    }

    /**
     * Git and Mercurial working copies under {@code workRoot} on the runner host (at most {@code maxWorkingCopies}):
     * while the job holds its project's copy, its tree is written to a spool file of the job's own, and listed
     * when a cache or artifact rule asks for untracked files.
     */
    static SourceProvider onHost(Path workRoot, int maxWorkingCopies) {
        SourceFetcher fetcher = new SourceFetcher(workRoot, Duration.ofMinutes(30), maxWorkingCopies);
        return (plan, trace, control) -> {
            String leafName = new BuildPaths(plan.projectPath()).leafName();
            boolean wantsUntracked = plan.caches().stream().anyMatch(JobPlan.CacheRule::untracked)
                    || plan.artifacts().stream().anyMatch(JobPlan.ArtifactRule::untracked);
            return fetcher.fetch(plan, trace, control, sources -> {
                Path spool = fetcher.newSpoolFile(plan, ".tar");
                try {
                    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(spool), 64 * 1024)) {
                        Archives.writeDirectory(out, sources.directory(), leafName, relative -> false);
                    }
                    Set<String> tracked = wantsUntracked ? TrackedFiles.list(sources.directory(), sources.vcs())
                            : Set.of();
                    return new Fetched(spool, tracked);
                } catch (IOException | RuntimeException e) {
                    Files.deleteIfExists(spool);
                    if (e instanceof IOException io) {
                        // the runner host's disk, not the job: a system failure
                        throw new UncheckedIOException("cannot write the sources snapshot " + spool + ": "
                                + io.getMessage(), io);
                    }
                    throw e;
                }
            }).orElseGet(Fetched::none);
        };
    }
}
