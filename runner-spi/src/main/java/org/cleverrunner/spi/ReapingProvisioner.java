package org.cleverrunner.spi;

import java.util.List;

/**
 * An optional capability of a {@link Provisioner} that creates hosts (VMs, containers) which can outlive a crashed
 * runner: it can list what a runner left behind, so the {@code reap} command and the engine's start-up can
 * {@link Provisioner#release release} it. Callers test for it with {@code instanceof}; provisioners that create
 * nothing (the local engine) don't implement it.
 */
public interface ReapingProvisioner extends Provisioner {

    /**
     * The attribute of a leftover {@link Host} naming the job it was created for, when the provisioner knows it:
     * the engine never reaps the host of a job it is still running, even while that host is being provisioned.
     */
    String JOB_ATTRIBUTE = "job";


    /**
     * The hosts created for this runner (found by the {@link HostRequest#runnerId() runner id} in their names or
     * labels) that still exist, whether or not a job still uses them: the caller decides which ones to release.
     * A host already {@link #release released} is not listed.
     *
     * @param runnerId the runner's short id, as given in {@link HostRequest#runnerId()}
     * @throws HostProvisioningException when the backend cannot be listed
     */
    List<Host> leftovers(String runnerId);
}
