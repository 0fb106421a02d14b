package org.cleverrunner.spi;

/** Root of the exceptions the SPI layer throws: provider discovery and the contracts of the extension points. */
public class RunnerSpiException extends RuntimeException {

    public RunnerSpiException(String message) {
        super(message);
    }

    public RunnerSpiException(String message, Throwable cause) {
        super(message, cause);
    }
}
