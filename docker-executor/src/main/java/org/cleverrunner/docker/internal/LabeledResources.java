package org.cleverrunner.docker.internal;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes every container, then network, then volume carrying the given labels: a job's clean-up and a runner's
 * sweep alike. Each failure is logged and the others are still removed.
 */
public final class LabeledResources {

    private static final Logger LOG = LoggerFactory.getLogger(LabeledResources.class);

    private LabeledResources() {
    }

    /** Returns how many resources were removed. */
    public static int remove(DockerClient docker, Map<String, String> labels) {
        List<String> filters = new ArrayList<>();
        labels.forEach((key, value) -> filters.add(key + "=" + value));
        int removed = 0;
        for (var container : docker.listContainersCmd().withShowAll(true).withLabelFilter(labels).exec()) {
            removed += attempt("container " + container.getId(), () -> docker.removeContainerCmd(container.getId())
                    .withForce(true).withRemoveVolumes(true).exec());
        }
        for (var network : docker.listNetworksCmd().withFilter("label", filters).exec()) {
            removed += attempt("network " + network.getName(), () -> docker.removeNetworkCmd(network.getId()).exec());
        }
        for (var volume : docker.listVolumesCmd().withFilter("label", filters).exec().getVolumes()) {
            removed += attempt("volume " + volume.getName(), () -> docker.removeVolumeCmd(volume.getName()).exec());
        }
        return removed;
    }

    private static int attempt(String what, Runnable removal) {
        try {
            removal.run();
            return 1;
        } catch (NotFoundException e) {
            return 0; // already gone
        } catch (RuntimeException e) {
            LOG.warn("cannot remove {}: {}", what, e.toString());
            return 0;
        }
    }
}
