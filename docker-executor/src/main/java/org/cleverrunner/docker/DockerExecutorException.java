package org.cleverrunner.docker;

/**
 * Root of every exception thrown by docker-executor (connector, gateway). Messages never contain a token.
 */
public class DockerExecutorException extends RuntimeException {

    public DockerExecutorException(String message) {
        super(message);
    }

    public DockerExecutorException(String message, Throwable cause) {
        super(message, cause);
    }
}
