package org.cleverrunner.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipInputStream;
import org.cleverrunner.coordinator.CoordinatorClient;
import org.cleverrunner.coordinator.FailureReason;
import org.cleverrunner.coordinator.JobRequest;
import org.cleverrunner.coordinator.JobRequestResult;
import org.cleverrunner.coordinator.JobState;
import org.cleverrunner.coordinator.JobUpdate;
import org.cleverrunner.coordinator.TraceBuffer;
import org.cleverrunner.coordinator.TraceUploader;
import org.cleverrunner.coordinator.payload.JobPayload;
import org.cleverrunner.core.CoordinatorArtifactTransfer;
import org.cleverrunner.core.JobPlans;
import org.cleverrunner.core.JobTrace;
import org.cleverrunner.spi.Host;
import org.cleverrunner.spi.JobContext;
import org.cleverrunner.spi.JobControl;
import org.cleverrunner.spi.JobOutcome;
import org.cleverrunner.spi.JobPlan;
import org.cleverrunner.testkit.FakeCoordinator;
import org.cleverrunner.testkit.JobHandle;
import org.cleverrunner.testkit.JobView;
import org.cleverrunner.testkit.Jobs;
import org.cleverrunner.testkit.RunnerHandle;
import org.cleverrunner.testkit.StoredArtifact;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Jobs from the fake GitLab over HTTP, run by the executor on the real engine, their logs masked and sent back
 * incrementally, their artifacts uploaded and downloaded through the coordinator client: the whole chain the
 * engine will drive.
 */
class GitLabJobIT {

    /** A test coordinator on loopback: 202 repeated after 100 ms, an outage given up after 30 s. */
    private static final org.cleverrunner.coordinator.FinalUpdatePolicy FINAL_UPDATES =
            new org.cleverrunner.coordinator.FinalUpdatePolicy(Duration.ofSeconds(30), Duration.ofMillis(100),
                    Duration.ofMillis(100), Duration.ofSeconds(2), 5);


    FakeCoordinator gitlab;
    CoordinatorClient client;
    RunnerHandle runner;
    Host host = new Host("local", URI.create(TestDockerEngine.dockerHost()), null, null, Map.of());
    DockerExecutor executor = DockerExecutor.builder().build();

    @BeforeEach
    void start() {
        TestDockerEngine.connect();
        gitlab = FakeCoordinator.builder().traceUpdateInterval(Duration.ofSeconds(1)).start();
        client = CoordinatorClient.builder().url(gitlab.url()).build();
        runner = gitlab.addRunner(Set.of("docker"), true);
    }

    @AfterEach
    void stop() {
        executor.sweep(host, "e2e");
        gitlab.close();
    }

    /** Takes the next job and runs it as the engine will: plan, masked trace pumped to GitLab, final update. */
    JobOutcome takeAndRun() throws Exception {
        JobRequestResult result = client.requestJob(new JobRequest(runner.token(), null, null));
        assertThat(result).isInstanceOf(JobRequestResult.JobReceived.class);
        JobPayload job = ((JobRequestResult.JobReceived) result).job();
        client.updateJob(job.id(), job.token(), JobUpdate.running());
        JobPlans.Result planned = JobPlans.fromPayload(job, "e2e");
        JobPlan plan = planned.plan();

        TraceBuffer buffer = new TraceBuffer();
        JobTrace trace = JobTrace.builder().sink(buffer)
                .secrets(plan.variables().stream().filter(JobPlan.Variable::masked).map(JobPlan.Variable::value)
                        .toList())
                .secret(job.token()).build();
        TraceUploader uploader = new TraceUploader(client, job.id(), job.token(), buffer);
        ScheduledExecutorService pump = Executors.newSingleThreadScheduledExecutor();
        pump.scheduleWithFixedDelay(uploader::flush, 200, 200, TimeUnit.MILLISECONDS);
        JobOutcome outcome;
        try {
            outcome = executor.run(plan, host, new JobContext(trace, null,
                    new CoordinatorArtifactTransfer(client, job.id(), job.token()), new JobControl()));
        } finally {
            pump.shutdown();
            pump.awaitTermination(10, TimeUnit.SECONDS);
            trace.close();
        }
        if (outcome.status() == JobOutcome.Status.SUCCESS) {
            uploader.complete(JobState.SUCCESS, null, null, FINAL_UPDATES);
        } else {
            uploader.complete(JobState.FAILED, FailureReason.SCRIPT_FAILURE, outcome.exitCode(), FINAL_UPDATES);
        }
        return outcome;
    }

    @Test
    void jobLogIsMaskedSectionedAndArtifactsTravelBetweenJobs() throws Exception {
        JobHandle build = gitlab.enqueue(Jobs.job("build").image(TestDockerEngine.BUSYBOX)
                .variable("GIT_STRATEGY", "none")
                .maskedVariable("DEPLOY_PASSWORD", "hunter2-very-secret")
                .variable("GREETING", "hello from $CI_JOB_NAME")
                .script("echo \"password is $DEPLOY_PASSWORD\"", "echo \"$GREETING\"",
                        "printf 'split: hunter2-'; printf 'very-secret\\n'",
                        "mkdir -p out && echo artifact-content > out/result.txt")
                .artifacts("out/"));

        JobOutcome built = takeAndRun();

        JobView view = gitlab.awaitJob(build.id());
        String log = view.traceText();
        assertThat(built.status()).as(log).isEqualTo(JobOutcome.Status.SUCCESS);
        assertThat(view.finalState()).isEqualTo(org.cleverrunner.testkit.JobState.SUCCESS);
        assertThat(log).contains("password is [MASKED]", "split: [MASKED]", "hello from build")
                .doesNotContain("hunter2-very-secret");
        for (String section : List.of("prepare_executor", "get_sources", "step_script",
                "upload_artifacts_on_success")) {
            assertThat(log).contains("section_start:").contains(":" + section + "\r\u001b[0K");
        }
        assertThat(view.reportedChecksum()).isEqualTo(view.traceChecksum());
        List<StoredArtifact> artifacts = gitlab.artifacts(build.id());
        assertThat(artifacts).singleElement().satisfies(artifact -> {
            assertThat(artifact.filename()).isEqualTo("artifacts.zip");
            assertThat(zipNames(artifact.bytes())).containsExactly("out/result.txt");
        });

        JobHandle test = gitlab.enqueue(Jobs.job("test").image(TestDockerEngine.BUSYBOX)
                .variable("GIT_STRATEGY", "none").script("cat out/result.txt").dependency(build));
        JobOutcome tested = takeAndRun();
        JobView testView = gitlab.awaitJob(test.id());
        assertThat(tested.status()).as(testView.traceText()).isEqualTo(JobOutcome.Status.SUCCESS);
        assertThat(testView.traceText()).contains("artifact-content");
    }

    @Test
    void failingJobReportsScriptFailureWithItsExitCode() throws Exception {
        JobHandle failing = gitlab.enqueue(Jobs.job("failing").image(TestDockerEngine.BUSYBOX)
                .variable("GIT_STRATEGY", "none").script("exit 42").afterScript("echo \"after: $CI_JOB_STATUS\""));
        JobOutcome outcome = takeAndRun();
        JobView view = gitlab.awaitJob(failing.id());
        assertThat(outcome.exitCode()).isEqualTo(42);
        assertThat(view.finalState()).isEqualTo(org.cleverrunner.testkit.JobState.FAILED);
        assertThat(view.failureReason()).isEqualTo("script_failure");
        assertThat(view.exitCode()).isEqualTo(42);
        assertThat(view.traceText()).contains("after: failed");
    }

    static List<String> zipNames(byte[] zip) throws Exception {
        List<String> names = new java.util.ArrayList<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (var entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                names.add(entry.getName());
            }
        }
        return names;
    }

    static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
