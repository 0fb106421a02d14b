package org.cleverrunner.docker.internal.sources;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A working copy on the runner host, ready to be streamed into the job's volume.
 *
 * @param directory the checked-out tree (with its {@code .git} or {@code .hg})
 * @param empty true for {@code GIT_STRATEGY=none}: the directory is empty and nothing was fetched
 */
public record FetchedSources(Path directory, boolean empty) {
    public FetchedSources {
        Objects.requireNonNull(directory, "directory");
    }
}
