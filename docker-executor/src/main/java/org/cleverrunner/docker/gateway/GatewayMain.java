package org.cleverrunner.docker.gateway;

import org.cleverrunner.docker.DockerExecutorException;
import org.cleverrunner.spi.Secret;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Logger;

/**
 * {@code java -jar docker-gateway.jar}: runs the {@link DockerGateway} on a job's VM, configured from the environment:
 * {@code GATEWAY_TOKEN} (required), {@code GATEWAY_PORT} (default 8080), {@code DOCKER_SOCKET}
 * (default /var/run/docker.sock). Uses java.util.logging for its few lines, so the jar needs no logging backend.
 */
public final class GatewayMain {

    private static final Logger LOG = Logger.getLogger(GatewayMain.class.getName());

    private GatewayMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        DockerGateway gateway;
        try {
            gateway = fromEnvironment(System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("docker-gateway: " + e.getMessage());
            System.exit(2);
            return;
        }
        try {
            gateway.start();
        } catch (DockerExecutorException e) {
            System.err.println("docker-gateway: " + e.getMessage());
            System.exit(1);
            return;
        }
        LOG.info("docker-gateway listening on port " + gateway.port());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            gateway.close();
            stopped.countDown();
        }, "docker-gateway-shutdown"));
        stopped.await();
    }

    /** The gateway the environment describes, not started; IllegalArgumentException says what is wrong. */
    static DockerGateway fromEnvironment(Map<String, String> env) {
        String token = env.get("GATEWAY_TOKEN");
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("GATEWAY_TOKEN is not set; refusing to start a gateway without a token");
        }
        int port = DockerGateway.DEFAULT_PORT;
        String portValue = env.get("GATEWAY_PORT");
        if (portValue != null && !portValue.isBlank()) {
            try {
                port = Integer.parseInt(portValue.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("GATEWAY_PORT must be a port number, not " + portValue);
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("GATEWAY_PORT must be within 0..65535, not " + port);
            }
        }
        String socket = env.get("DOCKER_SOCKET");
        Path dockerSocket = socket == null || socket.isBlank()
                ? DockerGateway.DEFAULT_DOCKER_SOCKET
                : Path.of(socket.startsWith("unix://") ? socket.substring("unix://".length()) : socket);
        return DockerGateway.builder()
                .port(port)
                .token(Secret.of(token.trim()))
                .dockerSocket(dockerSocket)
                .build();
    }
}
