package org.cleverrunner.docker.gateway;

import org.cleverrunner.docker.TestDockerEngine;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The packaged {@code target/docker-gateway.jar} (built in the package phase, before failsafe runs). */
class GatewayJarIT {

    private static final Path JAR = Path.of("target", "docker-gateway.jar").toAbsolutePath();
    private static final Pattern LISTENING = Pattern.compile("docker-gateway listening on port (\\d+)");

    private static ProcessBuilder javaJar() {
        assertThat(JAR).as("the shaded gateway jar; mvn package builds it").isRegularFile();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(List.of(java, "-jar", JAR.toString())).redirectErrorStream(true);
        builder.environment().remove("GATEWAY_TOKEN");
        builder.environment().remove("GATEWAY_PORT");
        return builder;
    }

    @Test
    void refusesToStartWithoutAToken() throws Exception {
        Process process = javaJar().start();
        try {
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("the jar exits").isTrue();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.exitValue()).as(output).isNotZero();
            assertThat(output).contains("GATEWAY_TOKEN is not set");
        } finally {
            process.destroyForcibly();
        }
    }

    /**
     * The jar's own cache path (commons-compress, zstd-jni's Linux library, Jackson): a file of a container's image
     * archived as tar+zstd and uploaded to a loopback server standing for the store's pre-signed PUT.
     */
    private static void savesACacheAsTarZstdFromTheJar(HttpClient http, int port, String token) throws Exception {
        java.util.concurrent.atomic.AtomicReference<byte[]> uploaded = new java.util.concurrent.atomic.AtomicReference<>();
        com.sun.net.httpserver.HttpServer store = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        store.createContext("/bucket/deps", exchange -> {
            uploaded.set(exchange.getRequestBody().readAllBytes());
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        store.start();
        try (var docker = TestDockerEngine.connect()) {
            String container = docker.createContainerCmd(TestDockerEngine.BUSYBOX).withCmd("true")
                    .withLabels(TestDockerEngine.LABELS).exec().getId();
            try {
                byte[] body = org.cleverrunner.docker.internal.CacheTransferProtocol.JSON.writeValueAsBytes(
                        new org.cleverrunner.docker.internal.CacheTransferProtocol.SaveRequest(container, "/bin",
                                "http://127.0.0.1:" + store.getAddress().getPort() + "/bucket/deps?X-Amz-Signature=s",
                                java.util.Map.of(), List.of("busybox"), List.of(), false, null, 0, "tarzstd",
                                "fast"));
                HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                                + org.cleverrunner.docker.internal.CacheTransferProtocol.SAVE_PATH))
                        .header("Authorization", "Bearer " + token)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(answer.statusCode()).isEqualTo(200);
                assertThat(answer.body()).contains("\"outcome\":\"SAVED\"");
                assertThat(uploaded.get()).isNotNull();
                assertThat(java.util.Arrays.copyOf(uploaded.get(), 4)).as("zstd's magic")
                        .containsExactly(0x28, 0xB5, 0x2F, 0xFD);
            } finally {
                docker.removeContainerCmd(container).withForce(true).exec();
            }
        } finally {
            store.stop(0);
        }
    }

    @Test
    void servesTheEngineWithTheTokenFromTheEnvironment() throws Exception {
        TestDockerEngine.connect().close(); // fails with the reason when no engine is reachable
        String token = "jar-" + java.util.UUID.randomUUID();
        ProcessBuilder builder = javaJar();
        builder.environment().put("GATEWAY_TOKEN", token);
        builder.environment().put("GATEWAY_PORT", "0");
        builder.environment().put("DOCKER_SOCKET", TestDockerEngine.dockerHost());
        Process process = builder.start();
        StringBuilder output = new StringBuilder();
        try {
            CompletableFuture<Integer> port = CompletableFuture.supplyAsync(() -> {
                try (BufferedReader reader = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = reader.readLine()) != null) {
                        synchronized (output) {
                            output.append(line).append('\n');
                        }
                        Matcher matcher = LISTENING.matcher(line);
                        if (matcher.find()) {
                            return Integer.parseInt(matcher.group(1));
                        }
                    }
                    return -1;
                } catch (java.io.IOException e) {
                    return -1;
                }
            });
            int listening = port.get(30, TimeUnit.SECONDS);
            assertThat(listening).as("port from the output: %s", output).isPositive();

            HttpClient http = HttpClient.newHttpClient();
            URI ping = URI.create("http://127.0.0.1:" + listening + "/_ping");
            HttpResponse<String> ok = http.send(HttpRequest.newBuilder(ping)
                    .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.body()).isEqualTo("OK");
            HttpResponse<String> refused = http.send(HttpRequest.newBuilder(ping).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).isEqualTo(401);
            savesACacheAsTarZstdFromTheJar(http, listening, token);
            synchronized (output) {
                assertThat(output.toString()).doesNotContain(token);
            }
        } finally {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
