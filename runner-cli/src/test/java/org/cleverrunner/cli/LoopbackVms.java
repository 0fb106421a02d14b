package org.cleverrunner.cli;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cleverrunner.docker.gateway.DockerGateway;
import org.cleverrunner.spi.Secret;
import org.cleverrunner.testkit.clevercloud.VmHandle;
import org.cleverrunner.testkit.clevercloud.VmLauncher;

/**
 * The "VMs" of the Clever Cloud simulator in these tests: each is the Docker gateway on loopback, in front of the
 * local Docker Engine, with the token the provisioner put in the application's environment.
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
                }
            };
        };
    }

    @Override
    public void close() {
        synchronized (gateways) {
            gateways.forEach(DockerGateway::close);
        }
    }
}
