package org.cleverrunner.docker.gateway;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.cleverrunner.docker.DockerConnector;
import org.cleverrunner.docker.TestDockerEngine;
import org.cleverrunner.spi.Host;
import org.cleverrunner.spi.Secret;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.cleverrunner.docker.TestDockerEngine.BUSYBOX;
import static org.cleverrunner.docker.TestDockerEngine.LABELS;

/**
 * The gateway in-process on loopback in front of the real engine (DOCKER_HOST), driven by {@link DockerConnector}
 * with a bearer token as the executor drives a remote VM, and by raw HTTP for the refusals.
 */
class DockerGatewayIT {

    private static final String TOKEN = "gw-" + java.util.UUID.randomUUID();

    private static DockerClient engine;
    private static DockerGateway gateway;
    private static DockerClient docker;
    private static URI base;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() {
        engine = TestDockerEngine.connect(); // fails with the reason when no engine is reachable
        String dockerHost = TestDockerEngine.dockerHost();
        assertThat(dockerHost).as("the gateway forwards to a unix socket; DOCKER_HOST").startsWith("unix://");
        gateway = DockerGateway.builder()
                .bindAddress("127.0.0.1")
                .port(0)
                .token(Secret.of(TOKEN))
                .dockerSocket(Path.of(dockerHost.substring("unix://".length())))
                .build()
                .start();
        base = URI.create("http://127.0.0.1:" + gateway.port());
        docker = DockerConnector.builder().responseTimeout(Duration.ofSeconds(60)).build()
                .connect(new Host("gateway-it", base, Secret.of(TOKEN), null, Map.of()));
    }

    @AfterAll
    static void stop() {
        if (docker != null) {
            TestDockerEngine.closeQuietly(docker);
        }
        if (gateway != null) {
            gateway.close();
        }
        if (engine != null) {
            TestDockerEngine.closeQuietly(engine);
        }
    }

    @Test
    void pingsAndInspectsTheImageThroughTheGateway() {
        docker.pingCmd().exec();
        assertThat(docker.versionCmd().exec().getApiVersion()).isNotBlank();
        assertThat(docker.inspectImageCmd(BUSYBOX).exec().getId()).startsWith("sha256:");
        // The engine's own errors come back as they are.
        assertThatThrownBy(() -> docker.inspectContainerCmd("cr-gw-no-such-container").exec())
                .isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> docker.inspectImageCmd("cr-gw/no-such-image:1").exec())
                .isInstanceOf(NotFoundException.class);
    }

    @Test
    void followsLogsLiveAndWaitsForTheExitCode() throws Exception {
        String id = null;
        try {
            id = docker.createContainerCmd(BUSYBOX)
                    .withName(TestDockerEngine.uniqueName("cr-gw-logs"))
                    .withLabels(LABELS)
                    .withCmd("sh", "-c", "for i in 1 2 3; do echo line $i; sleep 0.2; done")
                    .exec().getId();
            docker.startContainerCmd(id).exec();

            String containerId = id;
            List<Long> arrivals = new ArrayList<>();
            StringBuilder text = new StringBuilder();
            Boolean[] runningAtFirstLine = {null};
            ResultCallback.Adapter<Frame> callback = new ResultCallback.Adapter<>() {
                @Override
                public void onNext(Frame frame) {
                    synchronized (text) {
                        if (arrivals.isEmpty()) {
                            runningAtFirstLine[0] = engine.inspectContainerCmd(containerId).exec().getState().getRunning();
                        }
                        arrivals.add(System.nanoTime());
                        text.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
                    }
                }
            };
            docker.logContainerCmd(id).withStdOut(true).withStdErr(true).withFollowStream(true).exec(callback);
            assertThat(callback.awaitCompletion(30, TimeUnit.SECONDS)).as("logs ended").isTrue();
            callback.close();

            Integer status = docker.waitContainerCmd(id).start().awaitStatusCode(30, TimeUnit.SECONDS);
            assertThat(status).isZero();
            synchronized (text) {
                assertThat(text.toString()).isEqualTo("line 1\nline 2\nline 3\n");
                // The gateway streams instead of buffering to the end: the first line comes while the container
                // still runs, and lines written 0.2 s apart arrive apart.
                assertThat(runningAtFirstLine[0]).as("container running when the first line arrived").isTrue();
                assertThat(arrivals).hasSizeGreaterThanOrEqualTo(2);
                long spreadMillis = (arrivals.get(arrivals.size() - 1) - arrivals.get(0)) / 1_000_000;
                assertThat(spreadMillis).as("time between the first and the last line").isGreaterThanOrEqualTo(150);
            }
        } finally {
            TestDockerEngine.removeContainerQuietly(engine, id);
        }
    }

    @Test
    void uploadsAndDownloadsFilesWithTheArchiveApi() throws Exception {
        String id = null;
        try {
            id = docker.createContainerCmd(BUSYBOX)
                    .withName(TestDockerEngine.uniqueName("cr-gw-archive"))
                    .withLabels(LABELS)
                    .withCmd("cat", "/tmp/hello.txt")
                    .exec().getId();
            byte[] content = "hello through the gateway\n".getBytes(StandardCharsets.UTF_8);
            docker.copyArchiveToContainerCmd(id)
                    .withRemotePath("/tmp")
                    .withTarInputStream(new ByteArrayInputStream(tar("hello.txt", content)))
                    .exec();

            try (InputStream in = docker.copyArchiveFromContainerCmd(id, "/tmp/hello.txt").exec();
                 TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
                TarArchiveEntry entry = tar.getNextEntry();
                assertThat(entry).isNotNull();
                assertThat(entry.getName()).isEqualTo("hello.txt");
                assertThat(tar.readAllBytes()).isEqualTo(content);
            }

            // HEAD archive: the path's stat, in a header, with no body.
            HttpResponse<String> stat = HTTP.send(HttpRequest.newBuilder(
                            base.resolve("/v1.41/containers/" + id + "/archive?path=/tmp/hello.txt"))
                    .header("Authorization", "Bearer " + TOKEN)
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(stat.statusCode()).isEqualTo(200);
            assertThat(stat.headers().firstValue("X-Docker-Container-Path-Stat")).isPresent();

            docker.startContainerCmd(id).exec();
            assertThat(docker.waitContainerCmd(id).start().awaitStatusCode(30, TimeUnit.SECONDS)).isZero();
            assertThat(TestDockerEngine.followLogs(docker, id, Duration.ofSeconds(30)))
                    .isEqualTo("hello through the gateway\n");

            String removed = id;
            docker.removeContainerCmd(id).withForce(true).exec();
            id = null;
            assertThatThrownBy(() -> engine.inspectContainerCmd(removed).exec()).isInstanceOf(NotFoundException.class);
        } finally {
            TestDockerEngine.removeContainerQuietly(engine, id);
        }
    }

    @Test
    void createsAndRemovesNetworksAndVolumes() {
        String networkId = null;
        String volume = TestDockerEngine.uniqueName("cr-gw-vol");
        boolean volumeCreated = false;
        try {
            networkId = docker.createNetworkCmd().withName(TestDockerEngine.uniqueName("cr-gw-net"))
                    .withDriver("bridge").withLabels(LABELS).exec().getId();
            assertThat(docker.inspectNetworkCmd().withNetworkId(networkId).exec().getId()).isEqualTo(networkId);
            docker.removeNetworkCmd(networkId).exec();
            networkId = null;

            docker.createVolumeCmd().withName(volume).withLabels(LABELS).exec();
            volumeCreated = true;
            assertThat(docker.inspectVolumeCmd(volume).exec().getName()).isEqualTo(volume);
            docker.removeVolumeCmd(volume).exec();
            volumeCreated = false;
            assertThatThrownBy(() -> engine.inspectVolumeCmd(volume).exec()).isInstanceOf(NotFoundException.class);
        } finally {
            TestDockerEngine.removeNetworkQuietly(engine, networkId);
            if (volumeCreated) {
                removeVolumeQuietly(volume);
            }
        }
    }

    @Test
    void aNamedVolumeBindIsAllowed() {
        String volume = TestDockerEngine.uniqueName("cr-gw-myvol");
        String id = null;
        try {
            id = docker.createContainerCmd(BUSYBOX)
                    .withName(TestDockerEngine.uniqueName("cr-gw-named"))
                    .withLabels(LABELS)
                    .withHostConfig(HostConfig.newHostConfig().withBinds(Bind.parse(volume + ":/data")))
                    .withCmd("true")
                    .exec().getId();
            assertThat(id).isNotBlank();
        } finally {
            TestDockerEngine.removeContainerQuietly(engine, id);
            removeVolumeQuietly(volume);
        }
    }

    @Test
    void aPrivilegedContainerIsRefusedWithAClearMessage() {
        assertThatThrownBy(() -> docker.createContainerCmd(BUSYBOX)
                .withName(TestDockerEngine.uniqueName("cr-gw-priv"))
                .withLabels(LABELS)
                .withHostConfig(HostConfig.newHostConfig().withPrivileged(true))
                .exec())
                .isInstanceOf(DockerException.class)
                .hasMessageContaining("HostConfig.Privileged");
        assertThat(engine.listContainersCmd().withShowAll(true).withLabelFilter(LABELS).exec())
                .noneMatch(c -> String.join(",", c.getNames()).contains("cr-gw-priv"));
    }

    @Test
    void refusesRequestsWithoutTheRightToken() throws Exception {
        for (String authorization : new String[] {null, "Bearer wrong-token", "Basic " + TOKEN, "Bearer "}) {
            HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve("/_ping")).GET();
            if (authorization != null) {
                request.header("Authorization", authorization);
            }
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(String.valueOf(authorization)).isEqualTo(401);
            assertThat(response.body()).contains("\"message\":\"missing or invalid bearer token\"")
                    .doesNotContain(TOKEN);
        }
        HttpResponse<String> ok = HTTP.send(HttpRequest.newBuilder(base.resolve("/_ping"))
                .header("Authorization", "Bearer " + TOKEN).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo("OK");
    }

    @Test
    void refusesEscapesAndCallsOutsideTheAllowList() throws Exception {
        Map<String, String> creates = Map.of(
                "{\"Privileged\":true}", "HostConfig.Privileged",
                "{\"Binds\":[\"/etc:/host-etc\"]}", "HostConfig.Binds",
                "{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/etc\",\"Target\":\"/host-etc\"}]}", "HostConfig.Mounts",
                "{\"CapAdd\":[\"SYS_ADMIN\"]}", "HostConfig.CapAdd",
                "{\"NetworkMode\":\"host\"}", "HostConfig.NetworkMode");
        for (Map.Entry<String, String> create : creates.entrySet()) {
            String body = "{\"Image\":\"" + BUSYBOX + "\",\"Labels\":{\"org.cleverrunner.test\":\"true\"},"
                    + "\"HostConfig\":" + create.getKey() + "}";
            HttpResponse<String> response = post("/v1.41/containers/create", body);
            assertThat(response.statusCode()).as(create.getKey()).isEqualTo(403);
            assertThat(response.body()).as(create.getKey()).contains(create.getValue());
        }
        HttpResponse<String> exec = post("/v1.41/containers/some-container/exec", "{\"Cmd\":[\"sh\"]}");
        assertThat(exec.statusCode()).isEqualTo(403);
        assertThat(exec.body()).contains("the gateway does not allow POST /v1.41/containers/some-container/exec");
        HttpResponse<String> build = post("/build", "");
        assertThat(build.statusCode()).isEqualTo(403);
        assertThat(build.body()).contains("the gateway does not allow POST /build");
        HttpResponse<String> volume = post("/volumes/create",
                "{\"Name\":\"cr-gw-hostvol\",\"DriverOpts\":{\"type\":\"none\",\"o\":\"bind\",\"device\":\"/etc\"}}");
        assertThat(volume.statusCode()).isEqualTo(403);
        assertThat(volume.body()).contains("DriverOpts");
    }

    private static HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(base.resolve(path))
                        .header("Authorization", "Bearer " + TOKEN)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] tar(String name, byte[] content) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            TarArchiveEntry entry = new TarArchiveEntry(name);
            entry.setSize(content.length);
            entry.setMode(0644);
            tar.putArchiveEntry(entry);
            tar.write(content);
            tar.closeArchiveEntry();
        }
        return bytes.toByteArray();
    }

    private static void removeVolumeQuietly(String name) {
        try {
            engine.removeVolumeCmd(name).exec();
        } catch (NotFoundException ignored) {
            // already gone
        } catch (RuntimeException e) {
            System.err.println("could not remove volume " + name + ": " + e);
        }
    }
}
