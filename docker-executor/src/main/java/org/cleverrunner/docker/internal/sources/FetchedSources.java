package org.cleverrunner.docker.internal.sources;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A working copy checked out at the job's revision, valid only while the fetcher holds it (inside
 * {@link SourceFetcher#fetch}'s callback): another job may check out another revision in it right after.
 *
 * @param directory the checked-out tree (with its {@code .git} or {@code .hg})
 * @param vcs {@code git} or {@code hg}
 */
public record FetchedSources(Path directory, String vcs) {
    public FetchedSources {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(vcs, "vcs");
    }
}
