package org.cleverrunner.docker.internal;

import java.util.Optional;
import org.cleverrunner.docker.DockerExecutor.DependencyProxyMode;
import org.cleverrunner.spi.ImageReference;
import org.cleverrunner.spi.JobPlan;

/**
 * Docker Hub images pulled through the GitLab (or Heptapod) Dependency Proxy of the job's group, as the Clever Cloud
 * runner this project replaces did: when the job's variables carry {@code CI_DEPENDENCY_PROXY_GROUP_IMAGE_PREFIX}
 * (GitLab sends it when the group's proxy is on), a Docker Hub name becomes {@code <prefix>/<path>} with its tag or
 * digest ({@code postgres:14} is {@code gitlab.example.com:443/group/dependency_proxy/containers/library/postgres:14});
 * every other image is pulled as named. The prefix carries the port, which the payload's credentials for the proxy
 * are keyed by. Service aliases stay those of the name the job wrote.
 */
final class DependencyProxy {

    static final String GROUP_PREFIX = "CI_DEPENDENCY_PROXY_GROUP_IMAGE_PREFIX";
    static final String DIRECT_GROUP_PREFIX = "CI_DEPENDENCY_PROXY_DIRECT_GROUP_IMAGE_PREFIX";
    static final DependencyProxy NONE = new DependencyProxy(null, null);

    private final String prefix;
    private final String warning;

    private DependencyProxy(String prefix, String warning) {
        this.prefix = prefix;
        this.warning = warning;
    }

    /** The proxy a job's images go through: none when off, or when the job's variables name no prefix. */
    static DependencyProxy of(DependencyProxyMode mode, JobPlan plan) {
        if (mode == null || mode == DependencyProxyMode.OFF) {
            return NONE;
        }
        Optional<String> prefix = Optional.empty();
        String variable = GROUP_PREFIX;
        if (mode == DependencyProxyMode.DIRECT_GROUP) {
            prefix = plan.variable(DIRECT_GROUP_PREFIX).filter(value -> !value.isBlank());
            variable = DIRECT_GROUP_PREFIX;
        }
        if (prefix.isEmpty()) {
            prefix = plan.variable(GROUP_PREFIX).filter(value -> !value.isBlank());
            variable = GROUP_PREFIX;
        }
        if (prefix.isEmpty()) {
            return NONE;
        }
        String clean = prefix.get().strip();
        while (clean.endsWith("/")) {
            clean = clean.substring(0, clean.length() - 1);
        }
        // the prefix must make names a registry can serve; one that does not is left out, said once
        if (!ImageReference.parse(clean + "/library/x").valid()) {
            return new DependencyProxy(null, variable + " is no registry path a Docker Hub image could be pulled"
                    + " under: images are pulled from Docker Hub as named");
        }
        return new DependencyProxy(clean, null);
    }

    /** What the job's log should say about the proxy, or empty. */
    Optional<String> warning() {
        return Optional.ofNullable(warning);
    }

    /** The name to pull and run for an image the job names: Docker Hub's through the proxy, others as they are. */
    String pulled(String image) {
        if (prefix == null) {
            return image;
        }
        return ImageReference.parse(image).reference().filter(ImageReference::isDockerHub)
                .map(reference -> reference.withName(prefix + "/" + reference.path())).orElse(image);
    }
}
