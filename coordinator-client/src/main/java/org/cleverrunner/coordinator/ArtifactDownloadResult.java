package org.cleverrunner.coordinator;

/** The outcome of downloading a dependency's artifacts; {@code bytes} is what was written. */
public record ArtifactDownloadResult(Outcome outcome, int status, long bytes) {

    public enum Outcome {
        /** 200, possibly after a redirect to object storage. */
        DOWNLOADED,
        /** 404: the dependency has no artifacts (expired or never uploaded). */
        NOT_FOUND,
        /** 401: the job token is not valid. */
        UNAUTHORIZED,
        /** 403: the job may not read these artifacts. */
        FORBIDDEN,
        /** Any other answer after the retries the protocol allows. */
        FAILED
    }
}
