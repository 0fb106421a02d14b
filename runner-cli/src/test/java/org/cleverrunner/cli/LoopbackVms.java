package org.cleverrunner.cli;

import com.github.dockerjava.api.DockerClient;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.cleverrunner.docker.DockerConnector;
import org.cleverrunner.spi.Host;
import org.cleverrunner.docker.gateway.DockerGateway;
import org.cleverrunner.spi.Secret;
import org.cleverrunner.testkit.clevercloud.VmHandle;
import org.cleverrunner.testkit.clevercloud.VmLauncher;

/**
 * The "VMs" of the Clever Cloud simulator in these tests: each is the Docker gateway on loopback, in front of the
 * local Docker Engine, with the token the provisioner put in the application's environment. Stopping one does what
 * deleting a real VM does to its Docker host: the containers, networks and volumes of the job it served are gone
 * (found by the job's labels, from the application's name {@code clever-runner-<runner>-<job>}).
 */
final class LoopbackVms implements AutoCloseable {

    private final List<DockerGateway> gateways = new ArrayList<>();
    private final Path socket = Path.of(System.getenv().getOrDefault("DOCKER_HOST", "unix:///var/run/docker.sock")
            .replaceFirst("^unix://", ""));

    VmLauncher launcher() {
        return (app, env, checkout) -> {
            if (!checkout.resolve("Dockerfile").toFile().exists()) {
                throw new IllegalStateException("the pushed build context has no Dockerfile");
            }
            DockerGateway gateway = DockerGateway.builder().bindAddress("127.0.0.1").port(0)
                    .token(Secret.of(env.get("GATEWAY_TOKEN"))).dockerSocket(socket).build().start();
            synchronized (gateways) {
                gateways.add(gateway);
            }
            return new VmHandle() {
                @Override
                public URI endpoint() {
                    return URI.create("http://127.0.0.1:" + gateway.port() + "/");
                }

                @Override
                public void stop() {
                    gateway.close();
                    removeJobResources(app.name());
                }
            };
        };
    }

    /** What a VM's deletion takes with it: everything of the job it ran, on the shared local engine. */
    private static void removeJobResources(String appName) {
        String[] parts = appName.split("-");
        if (parts.length < 4 || !appName.startsWith("clever-runner-")) {
            return;
        }
        String job = parts[parts.length - 1];
        String runner = appName.substring("clever-runner-".length(), appName.length() - job.length() - 1);
        String dockerHost = System.getenv().getOrDefault("DOCKER_HOST", "unix:///var/run/docker.sock");
        try (DockerClient docker = DockerConnector.defaults().connect(new Host("local", URI.create(dockerHost), null,
                null, Map.of()))) {
            Map<String, String> labels = Map.of("org.cleverrunner.runner", runner, "org.cleverrunner.job", job);
            List<String> filter = List.of("org.cleverrunner.runner=" + runner, "org.cleverrunner.job=" + job);
            for (var container : docker.listContainersCmd().withShowAll(true).withLabelFilter(labels).exec()) {
                docker.removeContainerCmd(container.getId()).withForce(true).withRemoveVolumes(true).exec();
            }
            for (var network : docker.listNetworksCmd().withFilter("label", filter).exec()) {
                docker.removeNetworkCmd(network.getId()).exec();
            }
            for (var volume : docker.listVolumesCmd().withFilter("label", filter).exec().getVolumes()) {
                docker.removeVolumeCmd(volume.getName()).exec();
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("the loopback VM " + appName + " could not take its containers along", e);
        }
    }

    /** Bytes of cache archives the VMs moved between themselves and the store. */
    long cacheBytes() {
        synchronized (gateways) {
            return gateways.stream().mapToLong(DockerGateway::cacheBytes).sum();
        }
    }

    /** Bytes of bodies the VMs' gateways relayed between the runner and their Docker Engine. */
    long relayedBytes() {
        synchronized (gateways) {
            return gateways.stream().mapToLong(DockerGateway::relayedBytes).sum();
        }
    }

    @Override
    public void close() {
        synchronized (gateways) {
            gateways.forEach(DockerGateway::close);
        }
    }
}
