package org.cleverrunner.clevercloud;

/** The API could not be reached, the connection failed or timed out, after the retries the call allows. */
public class CleverCloudTransportException extends CleverCloudException {

    public CleverCloudTransportException(String message, Throwable cause) {
        super(message, cause);
    }
}
