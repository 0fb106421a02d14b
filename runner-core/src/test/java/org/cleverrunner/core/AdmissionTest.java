package org.cleverrunner.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.cleverrunner.spi.Flavor;
import org.cleverrunner.spi.FlavoredProvisioner;
import org.cleverrunner.spi.Host;
import org.cleverrunner.spi.HostRequest;
import org.cleverrunner.testkit.FakeCoordinator;
import org.cleverrunner.testkit.JobHandle;
import org.cleverrunner.testkit.JobState;
import org.cleverrunner.testkit.Jobs;
import org.cleverrunner.testkit.RunnerHandle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Weighted quota, provisioning cap, launch interval and billing, through the engine on the fake GitLab. */
class AdmissionTest {

    @TempDir
    Path dir;
    FakeCoordinator gitlab;
    RunnerHandle runner;
    SimulatedBackends backends = new SimulatedBackends();
    SizedProvisioner provisioner = new SizedProvisioner();
    Engine engine;

    @BeforeEach
    void start() {
        gitlab = FakeCoordinator.builder().longPollTimeout(Duration.ofSeconds(2))
                .traceUpdateInterval(Duration.ofMillis(200)).start();
        runner = gitlab.addRunner("glrt-admission0001", Set.of(), true);
    }

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.shutdown();
        }
        gitlab.close();
    }

    Engine engine(AdmissionSettings admission) {
        RunnerSettings settings = RunnerSettings.of("sized", gitlab.url(), runner.token()).withAdmission(admission);
        return Engine.builder()
                .settings(new EngineSettings(10, Duration.ofMillis(200), Duration.ofSeconds(10),
                        dir.resolve("journal.json"), List.of(settings)))
                .executor(backends.executor).provisioner(provisioner).traceInterval(Duration.ofMillis(200))
                .version("test").build();
    }

    @Test
    void weightedQuotaAdmitsOnlyWhatTheLargestFlavorLeavesRoomFor() {
        // M weighs 4^1.25 = 5.66, XL 16^1.25 = 32: with a quota of 40, two M jobs at once, never three
        List<JobHandle> jobs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            jobs.add(gitlab.enqueue(Jobs.job("m-" + i).variable("CI_CLEVER_CLOUD_FLAVOR", "M")
                    .script("sleep 400")));
        }
        engine = engine(new AdmissionSettings(40, 0, Duration.ZERO)).start();

        for (JobHandle job : jobs) {
            assertThat(gitlab.awaitJob(job.id(), Duration.ofSeconds(30)).finalState()).isEqualTo(JobState.SUCCESS);
        }
        assertThat(backends.maxRunning.get()).isEqualTo(2);
        String log = gitlab.traceText(jobs.get(0).id());
        assertThat(log).containsPattern("flavor M, up \\d+ s, billed \\d+0 s \\(10 s granularity\\), estimated cost"
                + " 0\\.\\d{4} EUR");
    }

    @Test
    void provisioningCapAndLaunchIntervalSpaceOutLaunches() {
        provisioner.bootMillis = 300;
        List<JobHandle> jobs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            jobs.add(gitlab.enqueue(Jobs.job("s-" + i).variable("CI_CLEVER_CLOUD_FLAVOR", "S").script("echo hi")));
        }
        engine = engine(new AdmissionSettings(0, 1, Duration.ofMillis(500))).start();

        for (JobHandle job : jobs) {
            assertThat(gitlab.awaitJob(job.id(), Duration.ofSeconds(30)).finalState()).isEqualTo(JobState.SUCCESS);
        }
        assertThat(provisioner.maxBooting.get()).isEqualTo(1);
        List<Long> starts = new ArrayList<>(provisioner.launches);
        Collections.sort(starts);
        for (int i = 1; i < starts.size(); i++) {
            assertThat(starts.get(i) - starts.get(i - 1)).as("gap between launches, ms").isGreaterThanOrEqualTo(480);
        }
    }

    /** Hosts in sizes S, M and XL that take a while to boot; records launches. */
    static final class SizedProvisioner implements FlavoredProvisioner {
        volatile long bootMillis;
        final AtomicInteger booting = new AtomicInteger();
        final AtomicInteger maxBooting = new AtomicInteger();
        final List<Long> launches = Collections.synchronizedList(new ArrayList<>());

        @Override
        public Map<String, Flavor> flavors() {
            return Map.of("S", new Flavor("S", 2048, 1, 0.05), "M", new Flavor("M", 4096, 2, 0.1),
                    "XL", new Flavor("XL", 16384, 8, 0.4));
        }

        @Override
        public String defaultFlavor() {
            return "M";
        }

        @Override
        public Host acquire(HostRequest request) throws InterruptedException {
            launches.add(System.nanoTime() / 1_000_000);
            maxBooting.accumulateAndGet(booting.incrementAndGet(), Math::max);
            try {
                Thread.sleep(bootMillis);
            } finally {
                booting.decrementAndGet();
            }
            return new Host("vm-" + request.jobId(), URI.create("https://vm-" + request.jobId() + ".example"), null,
                    request.flavor() == null ? defaultFlavor() : request.flavor(), Map.of());
        }

        @Override
        public void release(Host host) {
        }
    }
}
