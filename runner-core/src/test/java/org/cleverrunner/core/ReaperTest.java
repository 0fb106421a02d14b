package org.cleverrunner.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.cleverrunner.spi.Host;
import org.cleverrunner.spi.HostRequest;
import org.cleverrunner.spi.ReapingProvisioner;
import org.cleverrunner.testkit.FakeCoordinator;
import org.cleverrunner.testkit.JobHandle;
import org.cleverrunner.testkit.JobState;
import org.cleverrunner.testkit.Jobs;
import org.cleverrunner.testkit.RunnerHandle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hosts a reaping provisioner still lists are released at start and periodically, unless a job holds them. */
class ReaperTest {

    @TempDir
    Path dir;
    FakeCoordinator gitlab;
    RunnerHandle runner;
    Engine engine;
    VmProvisioner vms = new VmProvisioner();
    SimulatedBackends backends = new SimulatedBackends();

    @BeforeEach
    void start() {
        gitlab = FakeCoordinator.builder().longPollTimeout(Duration.ofSeconds(2)).start();
        runner = gitlab.addRunner("glrt-reapertest01", Set.of(), true);
    }

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.shutdown();
        }
        gitlab.close();
    }

    Engine engine() {
        return engine(runner.token(), "s_aaaaaaaaaaaa", "journal.json");
    }

    Engine engine(String token, String systemId, String journal) {
        return Engine.builder()
                .settings(new EngineSettings(2, Duration.ofMillis(200), Duration.ofSeconds(10),
                        dir.resolve(journal), List.of(RunnerSettings.of("vm", gitlab.url(), token))))
                .executor(backends.executor).provisioner(vms).reapInterval(Duration.ofMillis(300))
                .traceInterval(Duration.ofMillis(200)).systemId(systemId).version("test").build();
    }

    /** The owner part of the host names of the runner "vm" with the journal journal.json. */
    String key(String systemId) {
        return RunnerSettings.of("vm", "https://gitlab.example", "glrt-whatever").hostKey(systemId,
                dir.resolve("journal.json"));
    }

    @Test
    void leftoversOfACrashedRunAreReleasedAtStart() {
        vms.existing.put("vm-old-1", key("s_aaaaaaaaaaaa"));
        vms.existing.put("vm-old-2", key("s_aaaaaaaaaaaa"));
        vms.existing.put("vm-other-runner", "someoneelse");
        engine = engine().start();
        assertThat(vms.existing).containsOnlyKeys("vm-other-runner");
    }

    @Test
    void aReleaseThatFailedIsRetriedByTheReaperButAHostInUseIsKept() throws Exception {
        vms.failReleases.set(1);
        JobHandle first = gitlab.enqueue(Jobs.job("first").script("echo one"));
        engine = engine().start();
        assertThat(gitlab.awaitJob(first.id(), Duration.ofSeconds(20)).finalState()).isEqualTo(JobState.SUCCESS);

        JobHandle busy = gitlab.enqueue(Jobs.job("busy").script("sleep 1500"));
        gitlab.awaitState(busy.id(), JobState.RUNNING, Duration.ofSeconds(10));
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (vms.existing.containsKey("vm-" + first.id()) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(vms.existing).as("the failed release was retried").doesNotContainKey("vm-" + first.id());
        assertThat(vms.existing).as("the running job's VM is kept").containsKey("vm-" + busy.id());
        assertThat(gitlab.awaitJob(busy.id(), Duration.ofSeconds(20)).finalState()).isEqualTo(JobState.SUCCESS);
        assertThat(vms.existing).isEmpty();
    }

    @Test
    void hostNamesDoNotDependOnTheTokenButOnTheRunnerAndItsManager() {
        RunnerSettings before = RunnerSettings.of("vm", "https://gitlab.example", "glrt-firsttoken0001");
        RunnerSettings rotated = RunnerSettings.of("vm", "https://gitlab.example", "glrt-othertoken0002");
        Path journal = dir.resolve("journal.json");
        assertThat(rotated.hostKey("s_aaaaaaaaaaaa", journal)).isEqualTo(before.hostKey("s_aaaaaaaaaaaa", journal))
                .matches("[0-9a-f]{8}")
                .as("another machine").isNotEqualTo(before.hostKey("s_bbbbbbbbbbbb", journal))
                .as("another runner manager on this machine")
                .isNotEqualTo(before.hostKey("s_aaaaaaaaaaaa", dir.resolve("other/journal.json")))
                .as("another runner of this config").isNotEqualTo(RunnerSettings.of("other",
                        "https://gitlab.example", "glrt-firsttoken0001").hostKey("s_aaaaaaaaaaaa", journal));
    }

    @Test
    void aRotatedTokenStillReapsTheRunnersOwnLeftoversAndNothingElse() {
        // a warm VM left by the run before the token was rotated in GitLab and in config.toml
        vms.existing.put("vm-warm-1", key("s_aaaaaaaaaaaa"));
        vms.existing.put("vm-of-another-manager", key("s_bbbbbbbbbbbb"));
        RunnerHandle rotated = gitlab.addRunner("glrt-rotated000002", Set.of(), true);
        engine = engine(rotated.token(), "s_aaaaaaaaaaaa", "journal.json").start();
        assertThat(vms.existing).as("its own leftover released, not left behind")
                .containsOnlyKeys("vm-of-another-manager");
    }

    @Test
    void anotherManagerSharingTheTokenNeverReapsAVmRunningAJob() throws Exception {
        JobHandle busy = gitlab.enqueue(Jobs.job("busy").script("sleep 3000"));
        engine = engine().start();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!vms.existing.containsKey("vm-" + busy.id()) && System.nanoTime() < deadline) {
            Thread.sleep(20); // "running" in GitLab comes before the VM is acquired
        }
        assertThat(vms.existing).containsKey("vm-" + busy.id());

        // a second runner manager (its own system id and journal) started with the same runner token
        Engine second = engine(runner.token(), "s_bbbbbbbbbbbb", "second-journal.json").start();
        try {
            Thread.sleep(1_000); // three of its reap intervals
            assertThat(vms.existing).as("the first manager's VM, running its job").containsKey("vm-" + busy.id());
        } finally {
            second.shutdown();
        }
        assertThat(gitlab.awaitJob(busy.id(), Duration.ofSeconds(20)).finalState()).isEqualTo(JobState.SUCCESS);
        assertThat(vms.existing).isEmpty();
    }

    /** VMs that exist until released; a release may be made to fail. */
    static final class VmProvisioner implements ReapingProvisioner {
        final Map<String, String> existing = new ConcurrentHashMap<>();
        final AtomicInteger failReleases = new AtomicInteger();

        @Override
        public Host acquire(HostRequest request) {
            String id = "vm-" + request.jobId();
            existing.put(id, request.runnerId());
            return host(id);
        }

        @Override
        public void release(Host host) {
            if (failReleases.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new IllegalStateException("the cloud API is down");
            }
            existing.remove(host.id());
        }

        @Override
        public List<Host> leftovers(String runnerId) {
            return existing.entrySet().stream().filter(e -> e.getValue().equals(runnerId))
                    .map(e -> host(e.getKey())).toList();
        }

        private static Host host(String id) {
            return new Host(id, URI.create("https://" + id + ".example"), null, null, Map.of());
        }
    }
}
