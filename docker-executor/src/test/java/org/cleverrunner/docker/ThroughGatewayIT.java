package org.cleverrunner.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.cleverrunner.docker.gateway.DockerGateway;
import org.cleverrunner.spi.Host;
import org.cleverrunner.spi.JobContext;
import org.cleverrunner.spi.JobControl;
import org.cleverrunner.spi.JobOutcome;
import org.cleverrunner.spi.Secret;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every job of {@link DockerExecutorIT} again, this time through the Docker gateway with a bearer token, as on a
 * Clever Cloud VM behind its HTTPS proxy.
 */
class ThroughGatewayIT extends DockerExecutorIT {

    static DockerGateway gateway;
    static final String TOKEN = "gateway-token-" + Long.toHexString(System.nanoTime());

    @BeforeAll
    static void throughGateway() {
        String socket = TestDockerEngine.dockerHost();
        assertThat(socket).as("the gateway forwards to a unix socket").startsWith("unix://");
        gateway = DockerGateway.builder().bindAddress("127.0.0.1").port(0).token(Secret.of(TOKEN))
                .dockerSocket(Path.of(socket.substring("unix://".length()))).build().start();
        host = new Host("gateway", URI.create("http://127.0.0.1:" + gateway.port()), Secret.of(TOKEN), null,
                Map.of());
    }

    @AfterAll
    static void stopGateway() {
        // JUnit runs this before the inherited @AfterAll: sweep through the gateway, then hand back the direct host
        executor.sweep(host, RUNNER);
        host = new Host("local", URI.create(TestDockerEngine.dockerHost()), null, null, Map.of());
        gateway.close();
    }

    @Test
    void aWrongTokenFailsTheJobAsASystemFailureWithoutPrintingIt() throws Exception {
        Host wrong = new Host("gateway", host.dockerEndpoint(), Secret.of("not-the-token"), null, Map.of());
        RecordingTrace trace = new RecordingTrace();
        JobOutcome outcome;
        try {
            outcome = executor.run(plan(List.of("echo unreachable"), List.of(), List.of(), List.of()), wrong,
                    new JobContext(trace, null, null, new JobControl()));
        } catch (RuntimeException e) {
            assertThat(e.getMessage()).doesNotContain("not-the-token");
            return;
        }
        assertThat(outcome.failure()).isEqualTo(JobOutcome.FailureKind.RUNNER_SYSTEM_FAILURE);
        assertThat(trace.text()).doesNotContain("not-the-token").doesNotContain("unreachable\n");
    }
}
