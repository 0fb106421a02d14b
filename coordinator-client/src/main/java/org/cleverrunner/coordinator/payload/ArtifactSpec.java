package org.cleverrunner.coordinator.payload;

import java.util.List;

/** One {@code artifacts} entry: what to upload, when, in which type and format. */
public record ArtifactSpec(
        String name,
        boolean untracked,
        List<String> paths,
        List<String> exclude,
        String when,
        String expireIn,
        String artifactType,
        String artifactFormat) {

    public ArtifactSpec {
        paths = Lists.copy(paths);
        exclude = Lists.copy(exclude);
    }
}
