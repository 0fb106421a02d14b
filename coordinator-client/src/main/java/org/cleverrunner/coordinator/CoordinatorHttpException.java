package org.cleverrunner.coordinator;

/**
 * The coordinator answered with a status the call does not expect. Carries the status, the coordinator's own
 * message when it sent one, and a short excerpt of the body with anything token-like masked.
 */
public class CoordinatorHttpException extends CoordinatorException {

    private final int status;
    private final String bodyExcerpt;

    public CoordinatorHttpException(String message, int status, String bodyExcerpt) {
        super(message);
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
