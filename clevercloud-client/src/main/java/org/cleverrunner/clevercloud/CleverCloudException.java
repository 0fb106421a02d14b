package org.cleverrunner.clevercloud;

/** Root of every exception thrown by the Clever Cloud client. Messages never contain a credential. */
public class CleverCloudException extends RuntimeException {

    public CleverCloudException(String message) {
        super(message);
    }

    public CleverCloudException(String message, Throwable cause) {
        super(message, cause);
    }
}
