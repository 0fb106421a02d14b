package org.cleverrunner.testkit.clevercloud;

import java.net.URI;

/** A running simulated VM, as started by a {@link VmLauncher}. */
public interface VmHandle {

    /** Where the VM's port 8080 is reachable, e.g. {@code https://127.0.0.1:41234}. */
    URI endpoint();

    /** Stops the VM; called once when its instance stops (app deleted, vanished, stopped, redeployed). */
    void stop();
}
