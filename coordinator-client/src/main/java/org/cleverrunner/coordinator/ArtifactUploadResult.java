package org.cleverrunner.coordinator;

/** The outcome of an artifacts upload; {@code message} is the coordinator's, token-free. */
public record ArtifactUploadResult(Outcome outcome, int status, String message) {

    public enum Outcome {
        /** 201. */
        UPLOADED,
        /** 413: larger than the instance allows; not retried. */
        TOO_LARGE,
        /** 403: the job token is refused (job finished or canceled); not retried. */
        FORBIDDEN,
        /** Any other answer after the retries the protocol allows. */
        FAILED
    }
}
