package org.cleverrunner.spi;

/**
 * Lends Docker hosts to jobs: a local engine, a VM created for the job, a host from a pool. Implementations are
 * thread-safe; {@link #acquire} may block while a host boots and must honour interruption (the job was canceled),
 * releasing whatever it had created.
 */
public interface Provisioner extends AutoCloseable {

    /**
     * A host for this job, ready to take Docker API calls.
     *
     * @throws HostProvisioningException when no host can be had; the message is shown in the job's log
     * @throws InterruptedException when the job is canceled while waiting; nothing is left behind
     */
    Host acquire(HostRequest request) throws InterruptedException;

    /** Gives the host back (deletes the VM, returns it to a pool). Idempotent; never throws for a host already gone. */
    void release(Host host);

    /** Releases what this provisioner holds that no job uses. */
    @Override
    default void close() {
    }
}
