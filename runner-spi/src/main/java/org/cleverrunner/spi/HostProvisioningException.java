package org.cleverrunner.spi;

/** A host could not be provisioned; the job fails with a runner system failure and this message in its log. */
public class HostProvisioningException extends RunnerSpiException {

    public HostProvisioningException(String message) {
        super(message);
    }

    public HostProvisioningException(String message, Throwable cause) {
        super(message, cause);
    }
}
