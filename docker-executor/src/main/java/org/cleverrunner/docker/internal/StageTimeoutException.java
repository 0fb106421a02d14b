package org.cleverrunner.docker.internal;

/** A stage container outlived the time it had; it has been stopped. */
final class StageTimeoutException extends Exception {

    StageTimeoutException(String message) {
        super(message);
    }
}
