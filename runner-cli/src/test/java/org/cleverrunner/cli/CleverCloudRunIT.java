package org.cleverrunner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.cleverrunner.clevercloud.CleverCloudAuthentication;
import org.cleverrunner.testkit.FakeCoordinator;
import org.cleverrunner.testkit.JobHandle;
import org.cleverrunner.testkit.JobState;
import org.cleverrunner.testkit.JobView;
import org.cleverrunner.testkit.Jobs;
import org.cleverrunner.testkit.RunnerHandle;
import org.cleverrunner.testkit.clevercloud.CleverCloudSimulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI's {@code run} as a process on "Clever Cloud": kill -9 while VMs run, then restart. */
class CleverCloudRunIT {

    static final String IMAGE = "clever-runner/busybox:latest";
    static final String API_TOKEN = "clever-oauth-token-for-run-tests";
    static final String API_SECRET = "clever-oauth-secret-for-run-tests";

    @TempDir
    Path dir;
    FakeCoordinator gitlab;
    RunnerHandle runner;
    CleverCloudSimulator clever;
    Process process;
    final LoopbackVms vms = new LoopbackVms();

    @BeforeEach
    void start() {
        gitlab = FakeCoordinator.builder().longPollTimeout(Duration.ofSeconds(2)).start();
        runner = gitlab.addRunner("glrt-killnine0001", Set.of(), true);
        clever = CleverCloudSimulator.builder().oauth(CleverCloudAuthentication.CLEVER_TOOLS_CONSUMER_KEY,
                CleverCloudAuthentication.CLEVER_TOOLS_CONSUMER_SECRET, API_TOKEN, API_SECRET)
                .bootTime(Duration.ofMillis(300))
                .workDir(dir.resolve("clever")).launcher(vms.launcher()).start();
    }

    @AfterEach
    void stop() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        clever.close();
        vms.close();
        gitlab.close();
    }

    Path config() throws Exception {
        Path jar = Files.writeString(dir.resolve("docker-gateway.jar"), "stands for the gateway jar");
        Path config = dir.resolve("config.toml");
        Files.writeString(config, "concurrent = 3\ncheck_interval = 1\nshutdown_timeout = 30\n"
                + "journal = \"" + dir.resolve("journal.json") + "\"\n\n[[runners]]\nname = \"clever\"\n"
                + "url = \"" + gitlab.url() + "\"\ntoken = \"" + runner.token() + "\"\n"
                + "executor = \"docker\"\nprovisioner = \"clever-cloud\"\n"
                + "[runners.docker]\nimage = \"" + IMAGE + "\"\n"
                + "[runners.provisioners.clever-cloud]\n"
                + "organisation = \"" + clever.organisationId() + "\"\n"
                + "api-url = \"" + clever.url() + "\"\n"
                + "token = \"" + API_TOKEN + "\"\nsecret = \"" + API_SECRET + "\"\n"
                + "endpoint-scheme = \"http\"\n"
                + "gateway-jar = \"" + jar + "\"\n"
                + "poll-interval = \"200ms\"\n");
        return config;
    }

    Process startRunner(Path config) throws Exception {
        Path jar = Path.of("target", "clever-runner.jar").toAbsolutePath();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-jar", jar.toString(), "run", "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(
                        dir.resolve("runner.log").toFile())).start();
    }

    @Test
    void killDashNineWithThreeVmsThenRestartLeavesNoApplication() throws Exception {
        Path config = config();
        List<JobHandle> jobs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            jobs.add(gitlab.enqueue(Jobs.job("long-" + i).image(IMAGE).variable("GIT_STRATEGY", "none")
                    .variable("CI_CLEVER_CLOUD_FLAVOR", "S").script("echo on my vm", "sleep 300")));
        }
        process = startRunner(config);
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (jobs.stream().anyMatch(j -> !gitlab.traceText(j.id()).contains("on my vm"))
                && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(clever.applications()).as(Files.readString(dir.resolve("runner.log")) + "\n"
                + gitlab.traceText(jobs.get(0).id())).hasSize(3);

        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        assertThat(clever.applications()).hasSize(3);
        process = startRunner(config);

        clever.awaitNoApplications(Duration.ofSeconds(30));
        for (JobHandle job : jobs) {
            JobView view = gitlab.awaitJob(job.id(), Duration.ofSeconds(30));
            assertThat(view.finalState()).isEqualTo(JobState.FAILED);
            assertThat(view.traceText()).contains("the runner stopped while this job ran");
        }
        assertThat(Files.readString(dir.resolve("runner.log"))).doesNotContain(API_TOKEN, API_SECRET);
        // the deleted VMs took their containers along, as real ones do
        try (var docker = org.cleverrunner.docker.DockerConnector.defaults().connect(new org.cleverrunner.spi.Host(
                "local", java.net.URI.create(System.getenv().getOrDefault("DOCKER_HOST",
                        "unix:///var/run/docker.sock")), null, null, java.util.Map.of()))) {
            // a deleted VM's removal may still be in progress when the application is gone
            long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            List<com.github.dockerjava.api.model.Container> left;
            do {
                left = docker.listContainersCmd().withShowAll(true)
                        .withLabelFilter(java.util.Map.of("org.cleverrunner.runner", CliProcess.hostKey(
                                dir.resolve("config.toml"), "clever", dir.resolve("journal.json")))).exec();
                Thread.sleep(200);
            } while (!left.isEmpty() && System.nanoTime() < until);
            assertThat(left).isEmpty();
        }
    }
}
