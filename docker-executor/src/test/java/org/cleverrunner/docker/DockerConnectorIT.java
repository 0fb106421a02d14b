package org.cleverrunner.docker;

import com.github.dockerjava.api.DockerClient;
import org.cleverrunner.spi.Host;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The connector straight on the engine's socket (DOCKER_HOST), with the pinned API version. */
class DockerConnectorIT {

    @Test
    void connectsToTheUnixSocketDirectly() throws Exception {
        String dockerHost = TestDockerEngine.dockerHost();
        assertThat(dockerHost).as("DOCKER_HOST must be a unix socket for this test").startsWith("unix://");
        Host host = new Host("local", URI.create(dockerHost), null, null, Map.of());
        try (DockerClient docker = DockerConnector.defaults().connect(host)) {
            docker.pingCmd().exec();
            assertThat(docker.versionCmd().exec().getApiVersion()).isNotBlank();
            assertThat(docker.inspectImageCmd(TestDockerEngine.BUSYBOX).exec().getId()).startsWith("sha256:");
        }
    }
}
