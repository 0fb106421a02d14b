package org.cleverrunner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.cleverrunner.testkit.JobState;
import org.cleverrunner.testkit.JobView;
import org.cleverrunner.testkit.Jobs;
import org.junit.jupiter.api.Test;

/**
 * GitLab Runner's {@code [runners.docker]} resource keys under {@code run} as a process, seen from inside the job's
 * container on the real engine: its cgroup's memory and CPU quota, /dev/shm, resolv.conf and /etc/hosts; and
 * {@code services_limit} failing a job with more services before anything runs.
 */
class ContainerLimitsUnderRunIT extends LocalRunFixture {

    ContainerLimitsUnderRunIT() {
        super("limits", 753_000);
    }

    @Override
    String dockerExtra() {
        // as GitLab Runner's documentation writes them
        return "memory = \"64m\"\n"
                + "cpus = \"0.5\"\n"
                + "shm_size = 33554432\n"
                + "dns = [\"192.0.2.53\"]\n"
                + "dns_search = [\"\"]\n"
                + "extra_hosts = [\"db.internal:192.0.2.10\"]\n"
                + "services_limit = 0\n";
    }

    @Test
    void theJobsContainerHasTheConfiguredMemoryCpusShmDnsAndHosts() throws Exception {
        JobView view = gitlab.awaitJob(gitlab.enqueue(Jobs.job("limited").image(IMAGE)
                .variable("GIT_STRATEGY", "none")
                .script("echo memory=$(cat /sys/fs/cgroup/memory.max 2>/dev/null"
                                + " || cat /sys/fs/cgroup/memory/memory.limit_in_bytes)",
                        "echo cpu=$(cat /sys/fs/cgroup/cpu.max 2>/dev/null || cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us)",
                        "echo shm=$(df -k /dev/shm | tail -1 | awk '{print $2}')",
                        "echo dns=$(grep nameserver /etc/resolv.conf)",
                        "echo hosts=$(grep db.internal /etc/hosts)")).id(), Duration.ofSeconds(120));

        String log = view.traceText();
        assertThat(view.state()).as(log + runnerLog()).isEqualTo(JobState.SUCCESS);
        assertThat(log).contains("\nmemory=67108864\n")
                .containsPattern("\ncpu=(50000|50000 100000)\n")
                .contains("\nshm=32768\n")
                .contains("\ndns=nameserver 192.0.2.53\n")
                .containsPattern("\nhosts=192\\.0\\.2\\.10\\s+db\\.internal\n");
    }

    @Test
    void aJobWithMoreServicesThanTheLimitFailsBeforeAnythingRuns() throws Exception {
        JobView view = gitlab.awaitJob(gitlab.enqueue(Jobs.job("too-many-services").image(IMAGE)
                .variable("GIT_STRATEGY", "none").service(IMAGE, "web", List.of("sleep", "60"), List.of(), Map.of())
                .script("echo SHOULD-NOT-RUN")).id(), Duration.ofSeconds(120));

        assertThat(view.state()).isEqualTo(JobState.FAILED);
        assertThat(view.failureReason()).isEqualTo("runner_system_failure");
        assertThat(view.traceText()).contains("the job has 1 services; this runner allows 0 (services_limit)")
                .doesNotContain("\nSHOULD-NOT-RUN");
    }
}
