package org.cleverrunner.spi;

import java.util.List;
import java.util.Map;

/**
 * The narrow part a cloud writes so that its VMs become Docker hosts, as GitLab Runner's fleeting plugins only
 * create, list and delete instances: everything else (names, readiness, retries, delete on cancel, reaping) is the
 * host lifecycle's, in runner-core, the same for every cloud. Calls are name-based and idempotent: creating a name
 * that exists returns that VM, deleting a VM already gone is no failure. Implementations are thread-safe.
 *
 * <p>Failures: a {@link HostProvisioningException} is final (the lifecycle does not try again: a flavor the cloud
 * refuses, credentials it rejects); any other unchecked exception is taken as transient and retried with the
 * lifecycle's backoff.
 */
public interface VmBackend extends AutoCloseable {

    /** The sizes VMs come in, by name, as jobs name them in {@code CI_CLEVER_CLOUD_FLAVOR}. */
    Map<String, Flavor> flavors();

    /** The flavor of jobs that ask for none. */
    String defaultFlavor();

    /** The currency of {@link Flavor#pricePerHour()}. */
    default String currency() {
        return "EUR";
    }

    /**
     * Creates the VM {@code spec} names (or returns it when a VM of that name exists), set up so that its Docker
     * endpoint will take {@link VmSpec#accessToken()}; returns once the cloud has it, which may still be booting.
     */
    Vm create(VmSpec spec) throws InterruptedException;

    /** What the cloud says of the VM now. */
    VmStatus status(Vm vm);

    /** The VMs whose names start with {@code namePrefix}, whatever their state. */
    List<Vm> list(String namePrefix);

    /** Deletes the VM; one already gone is no failure. */
    void delete(Vm vm);

    @Override
    default void close() {
    }
}
