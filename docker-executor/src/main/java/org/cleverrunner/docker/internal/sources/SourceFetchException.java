package org.cleverrunner.docker.internal.sources;

/** get_sources failed; the message is one line for the job log and never holds a credential. */
public class SourceFetchException extends RuntimeException {

    public SourceFetchException(String message) {
        super(message);
    }

    public SourceFetchException(String message, Throwable cause) {
        super(message, cause);
    }
}
