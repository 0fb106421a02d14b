package org.cleverrunner.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The real Docker Engine the integration tests run against: the one named by {@code DOCKER_HOST}
 * (default {@code unix:///var/run/docker.sock}), as {@code scripts/test.sh} provides it.
 * Never skips: an unreachable engine is a test failure that says why.
 */
public final class TestDockerEngine {

    /** The image {@code scripts/test-env.sh} imports from Debian's busybox-static. */
    public static final String BUSYBOX = "clever-runner/busybox:latest";

    /** Label put on everything the tests create, so leftovers can be found. */
    public static final Map<String, String> LABELS = Map.of("org.cleverrunner.test", "true");

    private TestDockerEngine() {
    }

    public static String dockerHost() {
        String host = System.getenv("DOCKER_HOST");
        return host == null || host.isBlank() ? "unix:///var/run/docker.sock" : host;
    }

    /** A client for the engine, after a successful ping; throws AssertionError with the reason otherwise. */
    public static DockerClient connect() {
        String host = dockerHost();
        DockerClient client;
        try {
            DockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                    .withDockerHost(host)
                    .build();
            DockerHttpClient http = new ApacheDockerHttpClient.Builder()
                    .dockerHost(config.getDockerHost())
                    .sslConfig(config.getSSLConfig())
                    .connectionTimeout(Duration.ofSeconds(5))
                    .responseTimeout(Duration.ofSeconds(60))
                    .build();
            client = DockerClientImpl.getInstance(config, http);
        } catch (RuntimeException e) {
            throw new AssertionError("Cannot configure a Docker client for DOCKER_HOST=" + host + ": " + e, e);
        }
        try {
            client.pingCmd().exec();
        } catch (RuntimeException e) {
            closeQuietly(client);
            throw new AssertionError("No Docker Engine reachable at " + host + " (from DOCKER_HOST or the default)."
                    + " Run the tests with scripts/test.sh, which starts one, or point DOCKER_HOST at a running engine."
                    + " Cause: " + e, e);
        }
        return client;
    }

    /** A name unlikely to clash with anything else on a shared engine. */
    public static String uniqueName(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /**
     * Reads the whole output of a container through the logs API with {@code follow}: a streamed
     * response that ends when the container stops (no attach).
     */
    public static String followLogs(DockerClient client, String containerId, Duration timeout) throws InterruptedException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ResultCallback.Adapter<Frame> callback = new ResultCallback.Adapter<>() {
            @Override
            public void onNext(Frame frame) {
                synchronized (out) {
                    out.writeBytes(frame.getPayload());
                }
            }
        };
        client.logContainerCmd(containerId)
                .withStdOut(true)
                .withStdErr(true)
                .withFollowStream(true)
                .exec(callback);
        try {
            if (!callback.awaitCompletion(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("logs of container " + containerId + " did not end within " + timeout);
            }
        } finally {
            closeQuietly(callback);
        }
        synchronized (out) {
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    public static void removeContainerQuietly(DockerClient client, String containerId) {
        if (containerId == null) {
            return;
        }
        try {
            client.removeContainerCmd(containerId).withForce(true).withRemoveVolumes(true).exec();
        } catch (NotFoundException ignored) {
            // already gone
        } catch (RuntimeException e) {
            System.err.println("could not remove container " + containerId + ": " + e);
        }
    }

    public static void removeNetworkQuietly(DockerClient client, String networkId) {
        if (networkId == null) {
            return;
        }
        try {
            client.removeNetworkCmd(networkId).exec();
        } catch (NotFoundException ignored) {
            // already gone
        } catch (RuntimeException e) {
            System.err.println("could not remove network " + networkId + ": " + e);
        }
    }

    public static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // nothing useful to do
        }
    }
}
