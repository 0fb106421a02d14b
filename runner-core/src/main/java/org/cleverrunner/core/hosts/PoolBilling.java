package org.cleverrunner.core.hosts;

/**
 * Told when a warm pool's VM is deleted: what its whole life was billed, and the idle part no job used. A job's own
 * log and billing line count only the time it used a pool VM, so the pool's cost is reported here, once per VM.
 */
@FunctionalInterface
public interface PoolBilling {

    PoolBilling NONE = (flavor, billedSeconds, idleSeconds) -> { };

    /**
     * @param flavor the VM's flavor
     * @param billedSeconds creation to deletion, rounded up to 10 s as Clever Cloud bills
     * @param idleSeconds the part of it no job ran on the VM
     */
    void vmEnded(String flavor, long billedSeconds, long idleSeconds);
}
