package org.cleverrunner.clevercloud;

/**
 * The API answered with a success status but a body the client cannot use: not JSON (an HTML page from a proxy),
 * or JSON of the wrong shape (an object where a list was expected, a string where a number was).
 */
public class CleverCloudResponseException extends CleverCloudException {

    private final int status;
    private final String bodyExcerpt;

    public CleverCloudResponseException(String message, int status, String bodyExcerpt) {
        super(message);
        this.status = status;
        this.bodyExcerpt = bodyExcerpt;
    }

    public int status() {
        return status;
    }

    /** At most a few hundred characters of the body, credentials and secret-looking fields masked. */
    public String bodyExcerpt() {
        return bodyExcerpt;
    }
}
