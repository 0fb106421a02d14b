package org.cleverrunner.core.hosts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.cleverrunner.core.Engine;
import org.cleverrunner.core.EngineSettings;
import org.cleverrunner.core.RunnerSettings;
import org.cleverrunner.core.hosts.pool.PoolPolicy;
import org.cleverrunner.spi.Executor;
import org.cleverrunner.spi.JobOutcome;
import org.cleverrunner.testkit.Endpoint;
import org.cleverrunner.testkit.FakeCoordinator;
import org.cleverrunner.testkit.JobHandle;
import org.cleverrunner.testkit.JobState;
import org.cleverrunner.testkit.Jobs;
import org.cleverrunner.testkit.RunnerHandle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.io.TempDir;

/**
 * Preemptive mode as GitLab Runner's autoscaler has it: with idle hosts asked for and every host of the pool busy
 * at max_instances, the runner asks GitLab for no job (it would only hold it waiting); once a host is free again
 * it asks, and the waiting job runs. The engine against the fake GitLab over HTTP, the pool over a cloud in memory.
 */
class PreemptiveModeTest {

    @TempDir
    Path dir;
    FakeCoordinator gitlab = FakeCoordinator.builder().longPollTimeout(Duration.ofMillis(500)).start();
    Engine engine;
    HostLifecycle lifecycle;

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.shutdown();
        }
        if (lifecycle != null) {
            lifecycle.close();
        }
        gitlab.close();
    }

    // racy by nature (a job handed off while the next request starts): repeated so that CI sees a rare ordering
    @RepeatedTest(3)
    void aFullPoolAsksForNoJobUntilAHostIsFree() throws Exception {
        RunnerHandle runner = gitlab.addRunner("glrt-preemptive0001", Set.of(), true);
        InMemoryBackend backend = new InMemoryBackend();
        backend.bootPolls = 1;
        lifecycle = new HostLifecycle(backend, HostLifecycle.Settings.defaults().withPollInterval(Duration.ofMillis(20))
                .withPoolTick(Duration.ofMillis(100)).withProbe((e, t) -> null).withReuseProbe((e, t, r, j) -> null),
                new PoolPolicy("one", 1, 0, PoolPolicy.Scope.RUNNER, List.of(new PoolPolicy.Rule(List.of(),
                        ZoneId.of("UTC"), Map.of("M", 1), Duration.ofMinutes(5), 0, 0))), "preempt");
        CountDownLatch release = new CountDownLatch(1);
        Executor executor = (plan, host, context) -> {
            if (plan.jobName().equals("first")) {
                release.await(30, TimeUnit.SECONDS);
            }
            return JobOutcome.success();
        };
        engine = Engine.builder().settings(new EngineSettings(4, Duration.ofMillis(100), Duration.ofSeconds(10),
                        dir.resolve("journal.json"), List.of(RunnerSettings.of("pool", gitlab.url(), runner.token()))))
                .executor(executor).provisioner(lifecycle).traceInterval(Duration.ofMillis(200)).version("test")
                .build().start();

        JobHandle first = gitlab.enqueue(Jobs.job("first").script("true"));
        await().atMost(Duration.ofSeconds(10)).until(() -> gitlab.job(first.id()).state() == JobState.RUNNING);
        // the only host is busy: no request for a while, though 3 slots are free and a job waits
        JobHandle second = gitlab.enqueue(Jobs.job("second").script("true"));
        Thread.sleep(300);
        int before = gitlab.requests(Endpoint.JOB_REQUEST).size();
        Thread.sleep(1500);
        assertThat(gitlab.requests(Endpoint.JOB_REQUEST).size()).as("job requests while the pool was full")
                .isEqualTo(before);
        assertThat(gitlab.job(second.id()).state()).isEqualTo(JobState.PENDING);

        release.countDown();
        assertThat(gitlab.awaitJob(second.id(), Duration.ofSeconds(20)).finalState()).isEqualTo(JobState.SUCCESS);
        assertThat(gitlab.awaitJob(first.id(), Duration.ofSeconds(20)).finalState()).isEqualTo(JobState.SUCCESS);
    }
}
