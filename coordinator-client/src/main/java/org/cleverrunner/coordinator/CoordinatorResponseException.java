package org.cleverrunner.coordinator;

/**
 * The coordinator answered with the expected status but a body the client cannot use: not JSON, the wrong
 * content type, or a field of the wrong type.
 */
public class CoordinatorResponseException extends CoordinatorException {

    private final int status;
    private final String bodyExcerpt;

    public CoordinatorResponseException(String message, int status, String bodyExcerpt, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.bodyExcerpt = bodyExcerpt;
    }

    public int status() {
        return status;
    }

    /** At most a few hundred characters of the response body, secrets masked. */
    public String bodyExcerpt() {
        return bodyExcerpt;
    }
}
