package org.cleverrunner.docker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.cleverrunner.docker.DockerExecutor.DependencyProxyMode;
import org.cleverrunner.spi.JobPlan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Dependency Proxy rewrite with GitLab's variables (CI_DEPENDENCY_PROXY_GROUP_IMAGE_PREFIX is
 * {@code host:port/<group>/dependency_proxy/containers}): Docker Hub names under the prefix, tag or digest kept,
 * every other registry left alone.
 */
class DependencyProxyTest {

    private static final String PREFIX = "gitlab.example.com:443/octobus/dependency_proxy/containers";
    private static final String DIRECT = "gitlab.example.com:443/octobus/sub/dependency_proxy/containers";
    private static final String SHA = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    @ParameterizedTest
    @CsvSource({
            "postgres:14, " + PREFIX + "/library/postgres:14",
            "library/alpine, " + PREFIX + "/library/alpine",
            "docker.io/octobus/heptapod:1, " + PREFIX + "/octobus/heptapod:1",
            "index.docker.io/x/y@" + SHA + ", " + PREFIX + "/x/y@" + SHA,
            "alpine:3@" + SHA + ", " + PREFIX + "/library/alpine:3@" + SHA,
            "registry.heptapod.net:443/heptapod/runner:0.7.0, registry.heptapod.net:443/heptapod/runner:0.7.0",
            "quay.io/prometheus/node-exporter, quay.io/prometheus/node-exporter",
            "localhost/app, localhost/app",
    })
    void dockerHubNamesGoUnderTheGroupsPrefix(String image, String pulled) {
        DependencyProxy proxy = DependencyProxy.of(DependencyProxyMode.GROUP, plan(PREFIX, DIRECT));

        assertThat(proxy.pulled(image)).isEqualTo(pulled);
        assertThat(proxy.warning()).isEmpty();
    }

    @Test
    void theDirectGroupPrefixIsUsedWhenChosenAndSent() {
        assertThat(DependencyProxy.of(DependencyProxyMode.DIRECT_GROUP, plan(PREFIX, DIRECT)).pulled("alpine"))
                .isEqualTo(DIRECT + "/library/alpine");
        // not sent: the group prefix
        assertThat(DependencyProxy.of(DependencyProxyMode.DIRECT_GROUP, plan(PREFIX, null)).pulled("alpine"))
                .isEqualTo(PREFIX + "/library/alpine");
    }

    @Test
    void nothingChangesWhenOffOrWhenGitLabSendsNoPrefix() {
        assertThat(DependencyProxy.of(DependencyProxyMode.OFF, plan(PREFIX, DIRECT)).pulled("alpine"))
                .isEqualTo("alpine");
        assertThat(DependencyProxy.of(DependencyProxyMode.GROUP, plan(null, null)).pulled("alpine"))
                .isEqualTo("alpine");
        assertThat(DependencyProxy.of(DependencyProxyMode.GROUP, plan(PREFIX + "/", null)).pulled("alpine"))
                .isEqualTo(PREFIX + "/library/alpine");
    }

    @Test
    void aPrefixNoRegistryCouldServeIsLeftOutWithAWarning() {
        DependencyProxy proxy = DependencyProxy.of(DependencyProxyMode.GROUP, plan("gitlab example/$(id)", null));

        assertThat(proxy.pulled("alpine")).isEqualTo("alpine");
        assertThat(proxy.warning()).contains("CI_DEPENDENCY_PROXY_GROUP_IMAGE_PREFIX is no registry path a Docker"
                + " Hub image could be pulled under: images are pulled from Docker Hub as named");
    }

    private static JobPlan plan(String prefix, String direct) {
        List<JobPlan.Variable> variables = new ArrayList<>();
        if (prefix != null) {
            variables.add(JobPlan.Variable.of(DependencyProxy.GROUP_PREFIX, prefix));
        }
        if (direct != null) {
            variables.add(JobPlan.Variable.of(DependencyProxy.DIRECT_GROUP_PREFIX, direct));
        }
        return new JobPlan("runner", 1, "job", "group/project", JobPlan.ImageSpec.of("alpine"), List.of(), variables,
                null, List.of("true"), List.of(), Duration.ofMinutes(1), null, null, null, null, null);
    }
}
