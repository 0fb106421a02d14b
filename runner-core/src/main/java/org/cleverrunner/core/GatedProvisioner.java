package org.cleverrunner.core;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import org.cleverrunner.spi.Host;
import org.cleverrunner.spi.HostRequest;
import org.cleverrunner.spi.Provisioner;

/**
 * A provisioner behind the runner's launch limits: at most {@code maxProvisioning} hosts being provisioned at once,
 * and at least {@code minLaunchInterval} between two launches. Both waits give way to interruption (a canceled job).
 */
final class GatedProvisioner implements Provisioner {

    private final Provisioner delegate;
    private final Semaphore provisioning;
    private final long minIntervalNanos;
    private final Object launchLock = new Object();
    private long lastLaunch = Long.MIN_VALUE / 2;

    GatedProvisioner(Provisioner delegate, AdmissionSettings settings) {
        this.delegate = delegate;
        this.provisioning = settings.maxProvisioning() > 0 ? new Semaphore(settings.maxProvisioning(), true) : null;
        this.minIntervalNanos = settings.minLaunchInterval().toNanos();
    }

    static Provisioner wrap(Provisioner provisioner, AdmissionSettings settings) {
        boolean gated = settings.maxProvisioning() > 0 || !settings.minLaunchInterval().isZero();
        if (!gated) {
            return provisioner;
        }
        GatedProvisioner gate = new GatedProvisioner(provisioner, settings);
        if (provisioner instanceof org.cleverrunner.core.hosts.HostLifecycle lifecycle) {
            // the lifecycle gates its launches itself, its warm pool's spares too; a warm start launches nothing
            lifecycle.gate(new org.cleverrunner.core.hosts.LaunchGate() {
                @Override
                public void enter() throws InterruptedException {
                    gate.enter();
                }

                @Override
                public void leave() {
                    gate.leave();
                }
            });
            return provisioner;
        }
        return gate;
    }

    void enter() throws InterruptedException {
        if (provisioning != null) {
            provisioning.acquire();
        }
        try {
            waitForLaunchSlot();
        } catch (InterruptedException e) {
            leave();
            throw e;
        }
    }

    void leave() {
        if (provisioning != null) {
            provisioning.release();
        }
    }

    Provisioner delegate() {
        return delegate;
    }

    @Override
    public Host acquire(HostRequest request) throws InterruptedException {
        if (provisioning != null) {
            provisioning.acquire();
        }
        try {
            waitForLaunchSlot();
            return delegate.acquire(request);
        } finally {
            if (provisioning != null) {
                provisioning.release();
            }
        }
    }

    private void waitForLaunchSlot() throws InterruptedException {
        if (minIntervalNanos <= 0) {
            return;
        }
        synchronized (launchLock) {
            long wait = lastLaunch + minIntervalNanos - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(Duration.ofNanos(wait).toMillis(), (int) (wait % 1_000_000));
            }
            lastLaunch = System.nanoTime();
        }
    }

    @Override
    public void release(Host host) {
        delegate.release(host);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
