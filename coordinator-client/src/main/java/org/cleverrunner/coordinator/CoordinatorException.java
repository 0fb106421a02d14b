package org.cleverrunner.coordinator;

/**
 * Root of every exception thrown by the coordinator client. Messages never contain a runner or job token.
 */
public class CoordinatorException extends RuntimeException {

    public CoordinatorException(String message) {
        super(message);
    }

    public CoordinatorException(String message, Throwable cause) {
        super(message, cause);
    }
}
