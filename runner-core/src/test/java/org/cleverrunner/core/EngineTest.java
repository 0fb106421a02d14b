package org.cleverrunner.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.cleverrunner.coordinator.CoordinatorClient;
import org.cleverrunner.coordinator.JobRequest;
import org.cleverrunner.coordinator.JobRequestResult;
import org.cleverrunner.coordinator.JobUpdate;
import org.cleverrunner.coordinator.payload.JobPayload;
import org.cleverrunner.testkit.FakeCoordinator;
import org.cleverrunner.testkit.JobHandle;
import org.cleverrunner.testkit.JobState;
import org.cleverrunner.testkit.JobView;
import org.cleverrunner.testkit.Jobs;
import org.cleverrunner.testkit.RunnerHandle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine against the fake GitLab over HTTP, with simulated hosts and executor. */
class EngineTest {

    @TempDir
    Path dir;
    FakeCoordinator gitlab;
    RunnerHandle runner;
    SimulatedBackends backends = new SimulatedBackends();
    Engine engine;

    @BeforeEach
    void start() {
        gitlab = FakeCoordinator.builder().longPollTimeout(Duration.ofSeconds(2))
                .traceUpdateInterval(Duration.ofMillis(200)).start();
        runner = gitlab.addRunner("glrt-enginetest0001", Set.of(), true);
    }

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.shutdown();
        }
        gitlab.close();
    }

    Engine engine(int concurrent, Duration shutdownTimeout) {
        RunnerSettings settings = RunnerSettings.of("test", gitlab.url(), runner.token());
        return Engine.builder()
                .settings(new EngineSettings(concurrent, Duration.ofMillis(200), shutdownTimeout,
                        dir.resolve("journal.json"), List.of(settings)))
                .executor(backends.executor).provisioner(backends.provisioner)
                .traceInterval(Duration.ofMillis(200)).version("test").build();
    }

    @Test
    void theLogHeaderAndTheJobsVariablesCarryTheRunnersVersionAndRevision() {
        JobHandle job = gitlab.enqueue(Jobs.job("versions").script("env CI_RUNNER_VERSION", "env CI_RUNNER_REVISION"));
        RunnerSettings settings = RunnerSettings.of("test", gitlab.url(), runner.token());
        engine = Engine.builder().settings(new EngineSettings(1, Duration.ofMillis(200), Duration.ofSeconds(10),
                        dir.resolve("journal.json"), List.of(settings)))
                .executor(backends.executor).provisioner(backends.provisioner).traceInterval(Duration.ofMillis(200))
                .version("1.2.3").revision("abcdef12").build().start();

        JobView view = gitlab.awaitJob(job.id(), Duration.ofSeconds(30));
        assertThat(view.finalState()).as(view.traceText()).isEqualTo(JobState.SUCCESS);
        // gitlab-runner's first line: "Running with gitlab-runner 17.5.0 (66269445)"
        assertThat(view.traceText()).startsWith("\u001b[1mRunning with clever-runner 1.2.3 (abcdef12)\u001b[0;m\n")
                .contains("\nCI_RUNNER_VERSION=1.2.3\n", "\nCI_RUNNER_REVISION=abcdef12\n");
    }

    @Test
    void runsManyJobsNeverMoreThanConcurrentWithIdenticalTraces() {
        List<JobHandle> jobs = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            jobs.add(gitlab.enqueue(Jobs.job("job-" + i).script("echo line of job " + i, "sleep 150",
                    i % 4 == 3 ? "exit 7" : "echo done")));
        }
        engine = engine(3, Duration.ofSeconds(10)).start();

        for (int i = 0; i < jobs.size(); i++) {
            JobView view = gitlab.awaitJob(jobs.get(i).id(), Duration.ofSeconds(30));
            if (i % 4 == 3) {
                assertThat(view.finalState()).isEqualTo(JobState.FAILED);
                assertThat(view.failureReason()).isEqualTo("script_failure");
                assertThat(view.exitCode()).isEqualTo(7);
            } else {
                assertThat(view.finalState()).as(view.traceText()).isEqualTo(JobState.SUCCESS);
            }
            assertThat(view.traceText()).contains("line of job " + i, "Running with clever-runner test");
            assertThat(view.reportedChecksum()).isEqualTo(view.traceChecksum());
            assertThat(view.reportedBytesize()).isEqualTo(view.trace().length);
        }
        assertThat(backends.maxRunning.get()).isLessThanOrEqualTo(3).isGreaterThanOrEqualTo(2);
        assertThat(engine.awaitIdle(Duration.ofSeconds(5))).isTrue();
        assertThat(backends.hostsOut.get()).isZero();
        assertThat(engine.journal().snapshot().isEmpty()).isTrue();
    }

    @Test
    void jobsGetTheCoordinatorsCaAsAFileVariable() throws Exception {
        okhttp3.tls.HeldCertificate ca = new okhttp3.tls.HeldCertificate.Builder().certificateAuthority(0).build();
        Path caFile = Files.writeString(dir.resolve("ca.pem"), ca.certificatePem());
        RunnerSettings plain = RunnerSettings.of("test", gitlab.url(), runner.token());
        RunnerSettings withCa = new RunnerSettings(plain.name(), plain.url(), plain.token(), 0, 1, null, null, null,
                null, org.cleverrunner.coordinator.TlsOptions.caFile(caFile), null, 0);
        engine = Engine.builder()
                .settings(new EngineSettings(1, Duration.ofMillis(200), Duration.ofSeconds(10),
                        dir.resolve("journal.json"), List.of(withCa)))
                .executor(backends.executor).provisioner(backends.provisioner).traceInterval(Duration.ofMillis(200))
                .version("test").build().start();
        JobHandle job = gitlab.enqueue(Jobs.job("with-ca").script("echo hi"));
        gitlab.awaitJob(job.id(), Duration.ofSeconds(20));

        var variable = backends.plans.get(job.id()).variables().stream()
                .filter(v -> v.key().equals("CI_SERVER_TLS_CA_FILE")).findFirst().orElseThrow();
        assertThat(variable.file()).isTrue();
        assertThat(variable.value()).isEqualTo(ca.certificatePem());
    }

    @Test
    void masksTheJobsSecretsInTheTrace() {
        JobHandle job = gitlab.enqueue(Jobs.job("secret").maskedVariable("API_KEY", "sup3r-s3cret-value")
                .script("echo key=sup3r-s3cret-value"));
        engine = engine(1, Duration.ofSeconds(10)).start();
        JobView view = gitlab.awaitJob(job.id(), Duration.ofSeconds(20));
        assertThat(view.traceText()).contains("key=[MASKED]").doesNotContain("sup3r-s3cret-value");
    }

    @Test
    void cacheKeyWarningsReachTheJobsLogOnceEachAndMasked() {
        JobHandle job = gitlab.enqueue(Jobs.job("cached").maskedVariable("CACHE_SALT", "s4lt-s3cret-value")
                .cache(new org.cleverrunner.coordinator.payload.CacheSpec("deps/$CACHE_SALT/..\\gems-non_protected",
                        false, List.of("vendor/"), "pull-push", "on_success", List.of(" / "))));
        engine = engine(1, Duration.ofSeconds(10)).start();
        JobView view = gitlab.awaitJob(job.id(), Duration.ofSeconds(20));

        assertThat(backends.plans.get(job.id()).caches()).singleElement()
                .satisfies(cache -> assertThat(cache.key()).isEqualTo("deps/gems-non_protected"));
        assertThat(view.traceText())
                .contains("WARNING: cache key 'deps/[MASKED]/..\\gems-non_protected' sanitized to"
                        + " 'deps/gems-non_protected'")
                .contains("WARNING: cache key ' / ' could not be sanitized: this fallback key of cache[0] is not used")
                .contains("WARNING: the job names no image")
                .doesNotContain("s4lt-s3cret-value").doesNotContain("WARNING: WARNING:");
    }

    @Test
    void aCanceledJobStopsAndEndsCanceled() throws Exception {
        JobHandle job = gitlab.enqueue(Jobs.job("long").script("echo started", "sleep 60000"));
        engine = engine(1, Duration.ofSeconds(10)).start();
        gitlab.awaitState(job.id(), JobState.RUNNING, Duration.ofSeconds(10));
        Thread.sleep(300);
        gitlab.cancel(job.id());

        JobView view = gitlab.awaitJob(job.id(), Duration.ofSeconds(15));
        assertThat(view.finalState()).isEqualTo(JobState.CANCELED);
        assertThat(view.traceText()).contains("after_script on cancel");
    }

    @Test
    void anExecutorBugFailsOnlyThatJob() {
        JobHandle broken = gitlab.enqueue(Jobs.job("broken").script("boom"));
        JobHandle fine = gitlab.enqueue(Jobs.job("fine").script("echo still working"));
        engine = engine(1, Duration.ofSeconds(10)).start();

        JobView brokenView = gitlab.awaitJob(broken.id(), Duration.ofSeconds(20));
        assertThat(brokenView.finalState()).isEqualTo(JobState.FAILED);
        assertThat(brokenView.failureReason()).isEqualTo("runner_system_failure");
        assertThat(gitlab.awaitJob(fine.id(), Duration.ofSeconds(20)).finalState()).isEqualTo(JobState.SUCCESS);
    }

    @Test
    void gracefulShutdownLetsARunningJobFinish() throws Exception {
        JobHandle job = gitlab.enqueue(Jobs.job("finishing").script("sleep 1500", "echo finished"));
        engine = engine(1, Duration.ofSeconds(20)).start();
        gitlab.awaitState(job.id(), JobState.RUNNING, Duration.ofSeconds(10));
        JobHandle later = gitlab.enqueue(Jobs.job("not taken").script("echo no"));

        engine.shutdown();

        assertThat(gitlab.job(job.id()).finalState()).isEqualTo(JobState.SUCCESS);
        assertThat(gitlab.job(job.id()).traceText()).contains("finished");
        assertThat(gitlab.job(later.id()).state()).isEqualTo(JobState.PENDING);
        assertThat(engine.isHealthy()).isFalse();
    }

    @Test
    void shutdownPastItsGraceTimeInterruptsTheJob() throws Exception {
        JobHandle job = gitlab.enqueue(Jobs.job("too long").script("sleep 60000"));
        engine = engine(1, Duration.ofMillis(500)).start();
        gitlab.awaitState(job.id(), JobState.RUNNING, Duration.ofSeconds(10));

        engine.shutdown();

        JobView view = gitlab.job(job.id());
        assertThat(view.finalState()).isEqualTo(JobState.FAILED);
        assertThat(view.failureReason()).isEqualTo("runner_system_failure");
        assertThat(backends.hostsOut.get()).isZero();
    }

    @Test
    void aForcefulStopAbortsTheRunningJobAndReportsIt() throws Exception {
        JobHandle job = gitlab.enqueue(Jobs.job("aborted").script("sleep 60000"));
        engine = engine(1, Duration.ofSeconds(10)).start();
        gitlab.awaitState(job.id(), JobState.RUNNING, Duration.ofSeconds(10));

        long started = System.nanoTime();
        assertThat(engine.stop(Duration.ZERO)).as("every job reported").isTrue();

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
        JobView view = gitlab.job(job.id());
        assertThat(view.finalState()).isEqualTo(JobState.FAILED);
        assertThat(view.failureReason()).isEqualTo("runner_system_failure");
        assertThat(backends.hostsOut.get()).isZero();
        assertThat(engine.journal().snapshot().isEmpty()).isTrue();
    }

    @Test
    void abortRunningCutsAGracefulStopShort() throws Exception {
        JobHandle job = gitlab.enqueue(Jobs.job("long").script("sleep 60000"));
        engine = engine(1, Duration.ofSeconds(10)).start();
        gitlab.awaitState(job.id(), JobState.RUNNING, Duration.ofSeconds(10));
        java.util.concurrent.CompletableFuture<Boolean> stopped = java.util.concurrent.CompletableFuture
                .supplyAsync(() -> engine.stop(Engine.FOREVER));
        Thread.sleep(500);
        assertThat(stopped).as("a graceful stop waits for the job").isNotDone();
        assertThat(gitlab.job(job.id()).state()).isEqualTo(JobState.RUNNING);

        engine.abortRunning();

        assertThat(stopped.get(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(gitlab.job(job.id()).finalState()).isEqualTo(JobState.FAILED);
        assertThat(gitlab.job(job.id()).failureReason()).isEqualTo("runner_system_failure");
    }

    @Test
    void aReloadAddsAndRemovesRunnersAndRaisesConcurrentWithoutTouchingRunningJobs() throws Exception {
        RunnerHandle other = gitlab.addRunner("glrt-enginetest0002", Set.of("other"), false);
        RunnerSettings first = RunnerSettings.of("test", gitlab.url(), runner.token());
        RunnerSettings second = RunnerSettings.of("other", gitlab.url(), other.token());
        EngineSettings initial = new EngineSettings(1, Duration.ofMillis(200), Duration.ofSeconds(10),
                dir.resolve("journal.json"), List.of(first));
        engine = Engine.builder().settings(initial).executor(backends.executor).provisioner(backends.provisioner)
                .traceInterval(Duration.ofMillis(200)).version("test").build().start();
        JobHandle running = gitlab.enqueue(Jobs.job("running through the reload").script("sleep 6000",
                "echo still here"));
        gitlab.awaitState(running.id(), JobState.RUNNING, Duration.ofSeconds(10));

        Engine.Reconfiguration added = engine.reconfigure(new EngineSettings(3, Duration.ofMillis(200),
                Duration.ofSeconds(10), dir.resolve("journal.json"), List.of(first, second)));

        assertThat(added.added()).containsExactly("other");
        assertThat(added.removed()).isEmpty();
        assertThat(added.changed()).isEmpty();
        JobHandle tagged = gitlab.enqueue(Jobs.job("for the added runner").tags("other").script("sleep 500"));
        JobView taggedView = gitlab.awaitJob(tagged.id(), Duration.ofSeconds(20));
        assertThat(taggedView.finalState()).isEqualTo(JobState.SUCCESS);
        assertThat(gitlab.job(running.id()).state()).as("it ran beside the first job: concurrent is 3 now")
                .isEqualTo(JobState.RUNNING);

        Engine.Reconfiguration removed = engine.reconfigure(new EngineSettings(3, Duration.ofMillis(200),
                Duration.ofSeconds(10), dir.resolve("journal.json"), List.of(second)));

        assertThat(removed.removed()).containsExactly("test");
        // a request the removed runner sent before may still bring a job: past the long poll (2 s), none is out
        Thread.sleep(2500);
        JobHandle untagged = gitlab.enqueue(Jobs.job("for the removed runner").script("echo no"));
        JobView runningView = gitlab.awaitJob(running.id(), Duration.ofSeconds(20));
        assertThat(runningView.finalState()).as(runningView.traceText()).isEqualTo(JobState.SUCCESS);
        assertThat(runningView.traceText()).contains("still here");
        Thread.sleep(1000);
        assertThat(gitlab.job(untagged.id()).state()).as("no runner takes untagged jobs now")
                .isEqualTo(JobState.PENDING);
        assertThat(backends.hostsOut.get()).isZero();
    }

    @Test
    void aLowerLimitAtReloadKeepsTheRunningJobsAndTakesNewOnesOnlyUnderIt() throws Exception {
        RunnerSettings three = RunnerSettings.of("test", gitlab.url(), runner.token()).withLimit(3);
        engine = Engine.builder().settings(new EngineSettings(5, Duration.ofMillis(200), Duration.ofSeconds(10),
                dir.resolve("journal.json"), List.of(three))).executor(backends.executor)
                .provisioner(backends.provisioner).traceInterval(Duration.ofMillis(200)).version("test").build()
                .start();
        List<JobHandle> first = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            first.add(gitlab.enqueue(Jobs.job("first-" + i).script("sleep 2500")));
        }
        for (JobHandle job : first) {
            gitlab.awaitState(job.id(), JobState.RUNNING, Duration.ofSeconds(10));
        }

        Engine.Reconfiguration lowered = engine.reconfigure(new EngineSettings(5, Duration.ofMillis(200),
                Duration.ofSeconds(10), dir.resolve("journal.json"), List.of(three.withLimit(1))));
        List<JobHandle> later = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            later.add(gitlab.enqueue(Jobs.job("later-" + i).script("sleep 300")));
        }

        assertThat(lowered.changed()).containsExactly("test");
        Thread.sleep(1000);
        assertThat(later).allSatisfy(job -> assertThat(gitlab.job(job.id()).state()).as("3 running, limit 1")
                .isEqualTo(JobState.PENDING));
        for (JobHandle job : first) {
            assertThat(gitlab.awaitJob(job.id(), Duration.ofSeconds(20)).finalState()).isEqualTo(JobState.SUCCESS);
        }
        backends.maxRunning.set(backends.running.get());
        for (JobHandle job : later) {
            assertThat(gitlab.awaitJob(job.id(), Duration.ofSeconds(20)).finalState()).isEqualTo(JobState.SUCCESS);
        }
        assertThat(backends.maxRunning.get()).as("one at a time under the new limit").isEqualTo(1);
    }

    @Test
    void aReloadWhoseRunnerCannotStartChangesNothing() throws Exception {
        RunnerSettings first = RunnerSettings.of("test", gitlab.url(), runner.token());
        engine = engine(1, Duration.ofSeconds(10)).start();
        RunnerSettings broken = new RunnerSettings("broken", gitlab.url(), first.token(), 0, 1, null, null, null,
                null, null, null, 0, null, new CacheSettings("no-such-store", false, null));

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> engine.reconfigure(new EngineSettings(5,
                Duration.ofMillis(200), Duration.ofSeconds(10), dir.resolve("journal.json"), List.of(first, broken))))
                .hasMessageContaining("no-such-store");

        assertThat(engine.settings().concurrent()).isEqualTo(1);
        assertThat(engine.settings().runners()).extracting(RunnerSettings::name).containsExactly("test");
        JobHandle job = gitlab.enqueue(Jobs.job("after the refused reload").script("echo fine"));
        assertThat(gitlab.awaitJob(job.id(), Duration.ofSeconds(20)).finalState()).isEqualTo(JobState.SUCCESS);
    }

    @Test
    void aJobAbandonedByACrashedRunIsFailedWithALineOnTheNextStart() throws Exception {
        JobHandle job = gitlab.enqueue(Jobs.job("abandoned").script("sleep 100000"));
        CoordinatorClient client = CoordinatorClient.builder().url(gitlab.url()).build();
        JobPayload payload = ((JobRequestResult.JobReceived) client.requestJob(
                new JobRequest(runner.token(), null, null))).job();
        client.updateJob(payload.id(), payload.token(), JobUpdate.running());
        Journal crashed = new Journal(dir.resolve("journal.json"));
        crashed.jobStarted(new Journal.JobEntry("test", gitlab.url(), payload.id(), payload.token(), Instant.now()));
        crashed.hostAcquired(new Journal.HostEntry("test", payload.id(), "sim", "sim-" + payload.id(),
                "unix:///simulated.sock", null));
        backends.hostsOut.incrementAndGet(); // the crashed run held this host
        String journalText = Files.readString(dir.resolve("journal.json"));
        assertThat(journalText).doesNotContain(runner.token());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("journal.json"))))
                .isEqualTo("rw-------");

        engine = engine(1, Duration.ofSeconds(10)).start();

        JobView view = gitlab.awaitJob(job.id(), Duration.ofSeconds(10));
        assertThat(view.finalState()).isEqualTo(JobState.FAILED);
        assertThat(view.failureReason()).isEqualTo("runner_system_failure");
        assertThat(view.traceText()).contains("the runner stopped while this job ran");
        assertThat(backends.hostsOut.get()).as("the recorded host was released").isZero();
        // the entry leaves once the final state is delivered, which the recovery does in the background
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!Journal.read(dir.resolve("journal.json")).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(Journal.read(dir.resolve("journal.json")).isEmpty()).isTrue();
    }
}
