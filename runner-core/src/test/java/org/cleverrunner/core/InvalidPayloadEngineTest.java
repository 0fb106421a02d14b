package org.cleverrunner.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
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

/** The engine refuses a payload JobPlans cannot plan: a line per problem, runner_system_failure, nothing run. */
class InvalidPayloadEngineTest {

    @TempDir
    Path dir;
    FakeCoordinator gitlab;
    RunnerHandle runner;
    SimulatedBackends backends = new SimulatedBackends();
    Engine engine;

    @BeforeEach
    void start() {
        gitlab = FakeCoordinator.builder().firstJobId(9100).longPollTimeout(Duration.ofSeconds(2))
                .traceUpdateInterval(Duration.ofMillis(200)).start();
        runner = gitlab.addRunner("glrt-invalidpayload01", Set.of(), true);
        RunnerSettings settings = RunnerSettings.of("invalid", gitlab.url(), runner.token());
        engine = Engine.builder()
                .settings(new EngineSettings(1, Duration.ofMillis(200), Duration.ofSeconds(10),
                        dir.resolve("journal.json"), List.of(settings)))
                .executor(backends.executor).provisioner(backends.provisioner)
                .traceInterval(Duration.ofMillis(200)).version("test").build();
    }

    @AfterEach
    void stop() {
        engine.shutdown();
        gitlab.close();
    }

    @Test
    void anImageReferenceNoRegistryCouldServeFailsAsAPullWouldBeforeAnyHost() {
        String digest = "sha256:" + "ab".repeat(31);
        JobHandle job = gitlab.enqueue(Jobs.job("bad-image").script("echo never").image("Alpine:3")
                .service("postgres@" + digest));
        engine.start();

        JobView view = gitlab.awaitJob(job.id(), Duration.ofSeconds(20));
        String log = view.traceText();
        assertThat(view.finalState()).as(log).isEqualTo(JobState.FAILED);
        // image_pull_failure, sent as runner_system_failure: Rails' failure_reasons do not list it (as gitlab-runner)
        assertThat(view.failureReason()).as(log).isEqualTo("runner_system_failure");
        assertThat(log).contains("image name 'Alpine:3' is not a valid image reference: its repository name must be"
                        + " lowercase",
                // the name cut at 64 characters, as every quoted value in the log
                "services[0] name 'postgres@sha256:abab", "…' is not a valid image reference: its digest is not the"
                        + " algorithm's hex digits of the algorithm's length",
                "no registry can serve the job's images; nothing was pulled, nothing was run");
        assertThat(backends.plans).doesNotContainKey(job.id());
        assertThat(backends.hostsOut.get()).isZero();
    }

    @Test
    void anInvalidPayloadFailsBeforeAnythingRunsAndTheNextJobStillSucceeds() {
        JobHandle invalid = gitlab.enqueue(Jobs.job("empty").script()
                .maskedVariable("A=B", "masked-value-never-shown").image("alpine;reboot")
                .maskedVariable("REGISTRY_PASSWORD", "hunter2-in-an-image-name")
                .service("registry.local/$REGISTRY_PASSWORD|x"));
        JobHandle fine = gitlab.enqueue(Jobs.job("fine").script("echo still working"));
        engine.start();

        JobView view = gitlab.awaitJob(invalid.id(), Duration.ofSeconds(20));
        String log = view.traceText();
        assertThat(view.finalState()).as(log).isEqualTo(JobState.FAILED);
        assertThat(view.failureReason()).isEqualTo("runner_system_failure");
        assertThat(log).contains("ERROR: the 'script' step has no lines", "variable 'A=B' has an invalid key",
                "image name 'alpine;reboot' is not a valid image reference", "nothing was run")
                .contains("services[0] name 'registry.local/[MASKED]|x'")
                .doesNotContain("masked-value-never-shown", "hunter2-in-an-image-name");
        assertThat(view.reportedChecksum()).isEqualTo(view.traceChecksum());
        assertThat(backends.plans).doesNotContainKey(invalid.id());

        JobView next = gitlab.awaitJob(fine.id(), Duration.ofSeconds(20));
        assertThat(next.finalState()).as(next.traceText()).isEqualTo(JobState.SUCCESS);
        assertThat(engine.awaitIdle(Duration.ofSeconds(5))).isTrue();
        assertThat(backends.hostsOut.get()).isZero();
        assertThat(engine.journal().snapshot().isEmpty()).isTrue();
    }

    @Test
    void aPayloadWithAFieldOfTheWrongTypeIsFailedInGitLabNotLeftRunning() {
        // Rails would never send this, but a proxy or a newer GitLab might: the client cannot read it past id/token
        JobHandle unreadable = gitlab.enqueue(Jobs.job("wrong-type").script("echo never")
                .edit(tree -> tree.put("variables", "not-a-list")));
        JobHandle fine = gitlab.enqueue(Jobs.job("fine").script("echo still working"));
        engine.start();

        JobView view = gitlab.awaitJob(unreadable.id(), Duration.ofSeconds(20));
        assertThat(view.finalState()).as(view.traceText()).isEqualTo(JobState.FAILED);
        assertThat(view.failureReason()).isEqualTo("runner_system_failure");
        assertThat(view.traceText()).contains("the job's payload cannot be read", "variables", "nothing was run")
                .doesNotContain(unreadable.token());
        assertThat(view.reportedChecksum()).isEqualTo(view.traceChecksum());
        assertThat(backends.plans).doesNotContainKey(unreadable.id());
        assertThat(gitlab.awaitJob(fine.id(), Duration.ofSeconds(20)).finalState()).isEqualTo(JobState.SUCCESS);
        assertThat(engine.awaitIdle(Duration.ofSeconds(5))).isTrue();
    }
}
