package org.cleverrunner.coordinator;

import java.util.Objects;

/**
 * One artifacts archive to upload: {@code POST /jobs/:id/artifacts?artifact_format=&artifact_type=&expire_in=}.
 * Type and format default to {@code archive}/{@code zip}, as Rails does; {@code expireIn} is GitLab's duration text
 * ({@code "7d"}, {@code "1 week"}) or null for the project's default.
 */
public record ArtifactUpload(String filename, ArtifactSource source, String artifactType, String artifactFormat,
        String expireIn) {

    public ArtifactUpload {
        Objects.requireNonNull(filename, "filename");
        Objects.requireNonNull(source, "source");
        if (filename.isBlank() || filename.contains("/") || filename.contains("\\")) {
            throw new IllegalArgumentException("artifact filename must be a plain file name, got '" + filename + "'");
        }
        artifactType = artifactType == null ? "archive" : artifactType;
        artifactFormat = artifactFormat == null ? "zip" : artifactFormat;
    }

    public static ArtifactUpload archive(String filename, ArtifactSource source, String expireIn) {
        return new ArtifactUpload(filename, source, "archive", "zip", expireIn);
    }
}
