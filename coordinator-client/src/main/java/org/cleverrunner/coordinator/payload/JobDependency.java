package org.cleverrunner.coordinator.payload;

/**
 * A job whose artifacts this job downloads. {@code token} is the running job's own token; {@code artifactsFile}
 * is null when the dependency has no artifacts available.
 */
public record JobDependency(long id, String name, String token, ArtifactsFile artifactsFile) {

    public record ArtifactsFile(String filename, long size) {
    }

    @Override
    public String toString() {
        return "JobDependency[id=" + id + ", name=" + name + ", artifactsFile=" + artifactsFile + ", token=[MASKED]]";
    }
}
