package org.cleverrunner.core.hosts;

/**
 * What every VM creation passes, a job's or a warm pool's spare: the runner's {@code max_provisioning} (VMs booting
 * at once) and {@code min_launch_interval} (time between two launches). A warm start passes none: it launches
 * nothing.
 */
public interface LaunchGate {

    /** No limit. */
    LaunchGate OPEN = new LaunchGate() {
        @Override
        public void enter() {
        }

        @Override
        public void leave() {
        }
    };

    /** Waits for the right to launch a VM; gives way to interruption. */
    void enter() throws InterruptedException;

    /** The launch is over (the VM is ready, or failed). */
    void leave();
}
