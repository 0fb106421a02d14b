package org.cleverrunner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.cleverrunner.docker.DockerConnector;
import org.cleverrunner.spi.Host;
import org.cleverrunner.testkit.FakeCoordinator;
import org.cleverrunner.testkit.JobBuilder;
import org.cleverrunner.testkit.JobHandle;
import org.cleverrunner.testkit.JobState;
import org.cleverrunner.testkit.JobView;
import org.cleverrunner.testkit.Jobs;
import org.cleverrunner.testkit.RunnerHandle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI's {@code run}, as a separate process from the runnable jar, against the fake GitLab over HTTP, with the
 * local-docker provisioner and the real Docker Engine the test environment provides.
 */
class RunCommandIT {

    static final String IMAGE = "clever-runner/busybox:latest";
    static final String TOKEN = "glrt-runit" + Long.toHexString(System.nanoTime() & 0xfffff) + "x";

    @TempDir
    Path dir;
    FakeCoordinator gitlab;
    RunnerHandle runner;
    Process process;
    DockerClient docker;
    String shortId; // the runner's host key, in its resources' names and labels

    @BeforeEach
    void start() {
        gitlab = FakeCoordinator.builder().longPollTimeout(Duration.ofSeconds(5))
                .traceUpdateInterval(Duration.ofSeconds(1)).start();
        runner = gitlab.addRunner(TOKEN, Set.of(), true);
        String dockerHost = System.getenv().getOrDefault("DOCKER_HOST", "unix:///var/run/docker.sock");
        docker = DockerConnector.defaults().connect(new Host("local", URI.create(dockerHost), null, null, Map.of()));
        shortId = CliProcess.hostKey(dir.resolve("config.toml"), "it", dir.resolve("journal.json"));
    }

    @AfterEach
    void stop() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        gitlab.close();
        docker.close();
    }

    Path config(int concurrent) throws IOException {
        return CliProcess.writeConfig(dir.resolve("config.toml"), concurrent, "it", gitlab.url(), TOKEN,
                CliProcess.journal(dir.resolve("journal.json")), "");
    }

    Process startRunner(Path config) throws IOException {
        return CliProcess.start(dir.resolve("runner.log"), "run", "--config", config.toString());
    }

    String runnerLog() throws IOException {
        return CliProcess.read(dir.resolve("runner.log"));
    }

    JobHandle enqueue(JobBuilder job) {
        return gitlab.enqueue(job.image(IMAGE).variable("GIT_STRATEGY", "none"));
    }

    int leftovers() {
        Map<String, String> labels = Map.of("org.cleverrunner.runner", shortId);
        List<String> filter = List.of("org.cleverrunner.runner=" + shortId);
        return docker.listContainersCmd().withShowAll(true).withLabelFilter(labels).exec().size()
                + docker.listNetworksCmd().withFilter("label", filter).exec().size()
                + docker.listVolumesCmd().withFilter("label", filter).exec().getVolumes().size();
    }

    @Test
    void twentyJobsFourAtATimeReachTheirStatesAndLeaveNothing() throws Exception {
        List<JobHandle> jobs = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            JobBuilder job = Jobs.job("job-" + i);
            if (i % 5 == 4) {
                job.script("echo failing " + i, "exit 3");
            } else if (i == 7) {
                job.script("for i in $(seq 1 50); do wget -qO- http://web:8080/ && break; sleep 0.2; done")
                        .service("busybox:latest", "web", List.of("-c",
                                "mkdir -p /www && echo served > /www/index.html && exec httpd -f -p 8080 -h /www"),
                                List.of("sh"), Map.of());
            } else if (i == 11) {
                job.script("echo waiting to be canceled", "sleep 300");
            } else {
                job.script("echo hello from job " + i, "echo short token: $CI_RUNNER_SHORT_TOKEN.", "sleep 0.5");
            }
            jobs.add(enqueue(job));
        }
        AtomicInteger maxRunning = new AtomicInteger();
        AtomicBoolean sampling = new AtomicBoolean(true);
        Thread sampler = new Thread(() -> {
            while (sampling.get()) {
                int runningNow = (int) gitlab.jobs().stream()
                        .filter(j -> j.state() == JobState.RUNNING || j.state() == JobState.CANCELING).count();
                maxRunning.accumulateAndGet(runningNow, Math::max);
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sampler.start();
        process = startRunner(config(4));

        gitlab.awaitState(jobs.get(11).id(), JobState.RUNNING, Duration.ofSeconds(120));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!gitlab.traceText(jobs.get(11).id()).contains("waiting to be canceled")
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        gitlab.cancel(jobs.get(11).id());

        for (int i = 0; i < jobs.size(); i++) {
            JobView view = gitlab.awaitJob(jobs.get(i).id(), Duration.ofSeconds(180));
            String what = "job " + i + ": " + view.traceText() + "\nrunner log:\n" + runnerLog();
            if (i == 11) {
                assertThat(view.finalState()).as(what).isEqualTo(JobState.CANCELED);
            } else if (i % 5 == 4) {
                assertThat(view.finalState()).as(what).isEqualTo(JobState.FAILED);
                assertThat(view.failureReason()).isEqualTo("script_failure");
                assertThat(view.exitCode()).isEqualTo(3);
            } else {
                assertThat(view.finalState()).as(what).isEqualTo(JobState.SUCCESS);
            }
            assertThat(view.reportedChecksum()).as("byte-identical trace of job " + i)
                    .isEqualTo(view.traceChecksum());
            assertThat(view.reportedBytesize()).isEqualTo(view.trace().length);
        }
        sampling.set(false);
        sampler.join();
        assertThat(gitlab.traceText(jobs.get(7).id())).contains("Starting service busybox:latest");
        // gitlab-runner's short token: the token without glrt-, its first 9 characters
        assertThat(gitlab.traceText(jobs.get(0).id())).contains("\nshort token: " + TOKEN.substring(5, 14) + ".\n");
        // the header's second line, as GitLab Runner's: name, short token, system id
        assertThat(gitlab.traceText(jobs.get(0).id())).containsPattern("\n  on it " + TOKEN.substring(5, 14)
                + ", system ID: [sr]_[0-9A-Za-z]{12}, executor docker");
        assertThat(maxRunning.get()).as("never more than 4 at a time").isLessThanOrEqualTo(4).isGreaterThan(1);
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (leftovers() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(leftovers()).as("containers, networks and volumes left").isZero();
        assertThat(runnerLog()).doesNotContain(TOKEN);
    }

    @Test
    void killDashNineThenRestartLeavesNothingAndFailsTheJobWithAClearLine() throws Exception {
        Path config = config(2);
        process = startRunner(config);
        JobHandle job = enqueue(Jobs.job("killed").script("echo about to be killed", "sleep 300"));
        gitlab.awaitState(job.id(), JobState.RUNNING, Duration.ofSeconds(60));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (leftovers() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(leftovers()).as("the job's containers exist before the kill").isPositive();

        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL: no clean-up at all
        assertThat(leftovers()).isPositive();
        process = startRunner(config);

        JobView view = gitlab.awaitJob(job.id(), Duration.ofSeconds(60));
        assertThat(view.finalState()).isEqualTo(JobState.FAILED);
        assertThat(view.failureReason()).isEqualTo("runner_system_failure");
        assertThat(view.traceText()).contains("the runner stopped while this job ran");
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (leftovers() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(leftovers()).isZero();
    }

    @Test
    void reapRemovesThisRunnersLeftoversOnTheLocalEngine() throws Exception {
        Map<String, String> labels = Map.of("org.cleverrunner.managed", "true", "org.cleverrunner.runner", shortId,
                "org.cleverrunner.job", "77");
        docker.createContainerCmd(IMAGE).withName("clever-runner-" + shortId + "-77-orphan").withLabels(labels)
                .withCmd("true").exec();
        docker.createVolumeCmd().withName("clever-runner-" + shortId + "-77-builds").withLabels(labels).exec();
        assertThat(leftovers()).isEqualTo(2);

        int exit = Main.execute("reap", "--config", config(1).toString());

        assertThat(exit).isZero();
        assertThat(leftovers()).isZero();
    }

    static String path(File file) {
        return file.getAbsolutePath();
    }
}
