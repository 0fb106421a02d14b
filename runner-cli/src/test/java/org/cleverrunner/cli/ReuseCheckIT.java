package org.cleverrunner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.cleverrunner.core.hosts.HostProbe;
import org.cleverrunner.docker.DockerConnector;
import org.cleverrunner.docker.gateway.DockerGateway;
import org.cleverrunner.spi.Executor;
import org.cleverrunner.spi.Host;
import org.cleverrunner.spi.Secret;
import org.junit.jupiter.api.Test;

/**
 * The warm pool's check of a kept host, through a real gateway in front of the local Engine: a host is fit for
 * the next job when it answers with its token and holds nothing its previous job made.
 */
class ReuseCheckIT {

    @Test
    void aHostIsFitOnlyWhenItsPreviousJobLeftNothing() throws Exception {
        String dockerHost = System.getenv().getOrDefault("DOCKER_HOST", "unix:///var/run/docker.sock");
        Secret token = Secret.of("reuse-check-" + System.nanoTime());
        HostProbe.Reuse check = HostProbe.Reuse.cleanEngine();
        String job = Long.toString(900_000_000L + (System.nanoTime() & 0xffffff));
        try (DockerGateway gateway = DockerGateway.builder().bindAddress("127.0.0.1").port(0).token(token)
                .dockerSocket(Path.of(dockerHost.replaceFirst("^unix://", ""))).build().start();
                DockerClient docker = DockerConnector.defaults().connect(new Host("local", URI.create(dockerHost),
                        null, null, Map.of()))) {
            URI endpoint = URI.create("http://127.0.0.1:" + gateway.port() + "/");

            assertThat(check.check(endpoint, token, "reusechk", job)).isNull();
            assertThat(check.check(endpoint, Secret.of("not-the-token"), "reusechk", job)).isEqualTo("HTTP 401");

            String volume = docker.createVolumeCmd().withName("reuse-check-" + job).withLabels(Map.of(
                    Executor.MANAGED_LABEL, "true", Executor.JOB_LABEL, job, Executor.RUNNER_LABEL, "reusechk"))
                    .exec().getName();
            try {
                assertThat(check.check(endpoint, token, "reusechk", job)).isEqualTo("1 volume of job " + job + " left");
                // another job's resources are not this host's previous job's, nor another runner's job of that id
                assertThat(check.check(endpoint, token, "reusechk", job + "1")).isNull();
                assertThat(check.check(endpoint, token, "otherrun", job)).isNull();
            } finally {
                docker.removeVolumeCmd(volume).exec();
            }
            assertThat(check.check(endpoint, token, "reusechk", job)).isNull();
        }
    }
}
