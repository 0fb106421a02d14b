package org.cleverrunner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.HostConfig;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.cleverrunner.docker.DockerConnector;
import org.cleverrunner.spi.Host;
import org.cleverrunner.testkit.JobHandle;
import org.cleverrunner.testkit.JobState;
import org.cleverrunner.testkit.JobView;
import org.cleverrunner.testkit.Jobs;
import org.junit.jupiter.api.Test;

/**
 * GitLab Runner's {@code cpuset_cpus}, {@code cpuset_mems}, {@code cpu_shares} (the job's own containers) and
 * {@code service_*} keys (its service containers) under {@code run} as a process, read back with {@code docker
 * inspect} of the containers while the job runs on the real engine: each container has its own values, and the
 * job's keys do not leak onto services, nor the services' onto the job.
 */
class CpuAndServiceLimitsUnderRunIT extends LocalRunFixture {

    CpuAndServiceLimitsUnderRunIT() {
        super("cpuset", 754_000);
    }

    @Override
    String dockerExtra() {
        // CPU and NUMA node 0 exist on any engine; the services' values differ from the job's so that each is seen
        return "cpuset_cpus = \"0\"\n"
                + "cpuset_mems = \"0\"\n"
                + "cpu_shares = 512\n"
                + "memory = \"96m\"\n"
                + "service_memory = \"48m\"\n"
                + "service_memory_swap = \"64m\"\n"
                + "service_memory_reservation = \"32m\"\n"
                + "service_cpus = \"0.25\"\n"
                + "service_cpuset_cpus = \"0\"\n"
                + "service_cpu_shares = 256\n";
    }

    @Test
    void theJobsContainersAndItsServicesGetTheirOwnCpusetSharesAndMemory() throws Exception {
        String dockerHost = System.getenv().getOrDefault("DOCKER_HOST", "unix:///var/run/docker.sock");
        try (DockerClient docker = DockerConnector.defaults().connect(new Host("local", URI.create(dockerHost), null,
                null, Map.of()))) {
            JobHandle job = gitlab.enqueue(Jobs.job("limited").image(IMAGE).variable("GIT_STRATEGY", "none")
                    .service(IMAGE, "web", List.of("sleep", "120"), List.of(), Map.of())
                    .script("echo cpuset=$(cat /sys/fs/cgroup/cpuset.cpus 2>/dev/null"
                            + " || cat /sys/fs/cgroup/cpuset/cpuset.cpus)", "sleep 20"));

            Map<String, HostConfig> byRole = awaitContainers(docker, job.id(), "step-script", "service-0");
            HostConfig step = byRole.get("step-script");
            assertThat(step.getCpusetCpus()).isEqualTo("0");
            assertThat(step.getCpusetMems()).isEqualTo("0");
            assertThat(step.getCpuShares()).isEqualTo(512);
            assertThat(step.getMemory()).isEqualTo(96L << 20);
            assertThat(step.getNanoCPUs()).isIn(null, 0L);
            HostConfig service = byRole.get("service-0");
            assertThat(service.getCpusetCpus()).isEqualTo("0");
            assertThat(service.getCpusetMems()).isIn(null, "");
            assertThat(service.getCpuShares()).isEqualTo(256);
            assertThat(service.getMemory()).isEqualTo(48L << 20);
            assertThat(service.getMemorySwap()).isEqualTo(64L << 20);
            assertThat(service.getMemoryReservation()).isEqualTo(32L << 20);
            assertThat(service.getNanoCPUs()).isEqualTo(250_000_000L);

            JobView view = gitlab.awaitJob(job.id(), Duration.ofSeconds(120));
            assertThat(view.state()).as(view.traceText() + runnerLog()).isEqualTo(JobState.SUCCESS);
            assertThat(view.traceText()).contains("\ncpuset=0\n");
        }
    }

    /** The HostConfig of each role's container of the job, once all of them exist. */
    private Map<String, HostConfig> awaitContainers(DockerClient docker, long jobId, String... roles)
            throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
        Map<String, HostConfig> found = new HashMap<>();
        while (found.size() < roles.length && Instant.now().isBefore(deadline)) {
            for (Container container : docker.listContainersCmd().withShowAll(true)
                    .withLabelFilter(Map.of("org.cleverrunner.job", Long.toString(jobId))).exec()) {
                String role = container.getLabels().get("org.cleverrunner.role");
                if (List.of(roles).contains(role)) {
                    found.put(role, docker.inspectContainerCmd(container.getId()).exec().getHostConfig());
                }
            }
            Thread.sleep(200);
        }
        assertThat(found).as("containers of job %d: %s", jobId, runnerLog()).containsKeys(roles);
        return found;
    }
}
