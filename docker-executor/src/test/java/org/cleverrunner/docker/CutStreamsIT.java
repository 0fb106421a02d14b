package org.cleverrunner.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cleverrunner.docker.gateway.DockerGateway;
import org.cleverrunner.spi.Host;
import org.cleverrunner.spi.JobContext;
import org.cleverrunner.spi.JobControl;
import org.cleverrunner.spi.JobOutcome;
import org.cleverrunner.spi.JobPlan;
import org.cleverrunner.spi.Secret;
import org.junit.jupiter.api.Test;

/**
 * Through a proxy that cuts long streams mid-way (as the reverse proxy in front of a job VM may), the job's log
 * comes through whole, without a lost or repeated line, and its exit code is still seen.
 */
class CutStreamsIT {

    @Test
    void logStreamsAndWaitsCutByAProxyResumeWithoutLosingOrRepeatingALine() throws Exception {
        String socket = TestDockerEngine.dockerHost();
        assertThat(socket).startsWith("unix://");
        try (DockerGateway gateway = DockerGateway.builder().bindAddress("127.0.0.1").port(0)
                .token(Secret.of("cut-token")).dockerSocket(Path.of(socket.substring(7))).build().start();
                CuttingProxy proxy = new CuttingProxy(gateway.port(), 1200)) {
            Host host = new Host("cut", URI.create("http://127.0.0.1:" + proxy.port()), Secret.of("cut-token"), null,
                    Map.of());
            JobPlan plan = new JobPlan("cutit", 4242, "cut", "group/cut", JobPlan.ImageSpec.of(TestDockerEngine.BUSYBOX),
                    List.of(), List.of(JobPlan.Variable.of("GIT_STRATEGY", "none")), null,
                    List.of("for i in $(seq 1 40); do echo \"numbered line $i\"; sleep 0.1; done", "exit 5"), List.of(),
                    Duration.ofMinutes(2), null, null, null, null, null);
            RecordingTrace trace = new RecordingTrace();
            DockerExecutor executor = DockerExecutor.builder().build();

            JobOutcome outcome = executor.run(plan, host, new JobContext(trace, null, null, new JobControl()));

            assertThat(proxy.cuts.get()).as("streams were cut").isPositive();
            assertThat(outcome.exitCode()).as(trace.text()).isEqualTo(5);
            Matcher lines = Pattern.compile("numbered line (\\d+)\n").matcher(trace.text());
            int expected = 1;
            while (lines.find()) {
                assertThat(Integer.parseInt(lines.group(1))).as("line order, no repeat").isEqualTo(expected++);
            }
            assertThat(expected - 1).as("every line arrived").isEqualTo(40);
            executor.sweep(new Host("local", URI.create(socket), null, null, Map.of()), "cutit");
        }
    }
}
