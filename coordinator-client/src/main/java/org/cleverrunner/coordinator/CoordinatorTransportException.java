package org.cleverrunner.coordinator;

/** The coordinator could not be reached or the connection failed, after the retries the protocol allows. */
public class CoordinatorTransportException extends CoordinatorException {

    public CoordinatorTransportException(String message, Throwable cause) {
        super(message, cause);
    }
}
