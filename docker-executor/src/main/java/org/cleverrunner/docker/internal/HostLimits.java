package org.cleverrunner.docker.internal;

import com.github.dockerjava.api.model.HostConfig;
import org.cleverrunner.docker.ContainerLimits;

/** Memory and CPU limits on a container's HostConfig, as GitLab Runner's docker executor sets them. */
final class HostLimits {

    private HostLimits() {
    }

    /** {@code host} with each limit that is set; the Engine's default for the others. */
    static HostConfig apply(HostConfig host, ContainerLimits.ServiceLimits limits) {
        HostConfig limited = host;
        if (limits.memory() > 0) {
            limited = limited.withMemory(limits.memory());
        }
        if (limits.memorySwap() != 0) {
            limited = limited.withMemorySwap(limits.memorySwap());
        }
        if (limits.memoryReservation() > 0) {
            limited = limited.withMemoryReservation(limits.memoryReservation());
        }
        if (limits.nanoCpus() > 0) {
            limited = limited.withNanoCPUs(limits.nanoCpus());
        }
        if (!limits.cpusetCpus().isEmpty()) {
            limited = limited.withCpusetCpus(limits.cpusetCpus());
        }
        if (limits.cpuShares() > 0) {
            limited = limited.withCpuShares((int) Math.min(Integer.MAX_VALUE, limits.cpuShares()));
        }
        return limited;
    }
}
