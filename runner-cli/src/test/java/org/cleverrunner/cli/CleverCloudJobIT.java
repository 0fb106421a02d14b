package org.cleverrunner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.cleverrunner.clevercloud.CleverCloudAuthentication;
import org.cleverrunner.core.Engine;
import org.cleverrunner.core.EngineSettings;
import org.cleverrunner.core.RunnerSettings;
import org.cleverrunner.spi.ProviderSettings;
import org.cleverrunner.spi.Secret;
import org.cleverrunner.testkit.FakeCoordinator;
import org.cleverrunner.testkit.JobHandle;
import org.cleverrunner.testkit.JobState;
import org.cleverrunner.testkit.JobView;
import org.cleverrunner.testkit.Jobs;
import org.cleverrunner.testkit.RunnerHandle;
import org.cleverrunner.testkit.clevercloud.CleverCloudSimulator;
import org.cleverrunner.testkit.clevercloud.SimulatedApplication;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jobs through the engine on "Clever Cloud VMs": the simulator over HTTP plays the API, and each VM it boots is the
 * Docker gateway on loopback in front of the real local Docker Engine, with the token the provisioner gave the app.
 */
class CleverCloudJobIT {

    static final String IMAGE = "clever-runner/busybox:latest";
    // clever-tools' OAuth credentials: the API calls are signed with them, the VMs' pushes use them
    static final String API_TOKEN = "clever-oauth-token-for-tests";
    static final String API_SECRET = "clever-oauth-secret-for-tests";

    @TempDir
    Path dir;
    FakeCoordinator gitlab;
    RunnerHandle runner;
    CleverCloudSimulator clever;
    Engine engine;
    final LoopbackVms vms = new LoopbackVms();

    @BeforeEach
    void start() {
        gitlab = FakeCoordinator.builder().longPollTimeout(Duration.ofSeconds(2))
                .traceUpdateInterval(Duration.ofMillis(500)).start();
        runner = gitlab.addRunner("glrt-clevercloudit01", Set.of("clever-cloud"), false);
    }

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.shutdown();
        }
        if (clever != null) {
            clever.close();
        }
        vms.close();
        gitlab.close();
    }

    CleverCloudSimulator simulator(Duration bootTime) {
        return CleverCloudSimulator.builder().oauth(CleverCloudAuthentication.CLEVER_TOOLS_CONSUMER_KEY,
                CleverCloudAuthentication.CLEVER_TOOLS_CONSUMER_SECRET, API_TOKEN, API_SECRET)
                .bootTime(bootTime).workDir(dir.resolve("clever"))
                .launcher(vms.launcher()).start();
    }

    Engine engine(int concurrent) throws Exception {
        Path jar = Files.writeString(dir.resolve("docker-gateway.jar"), "stands for the gateway jar");
        Map<String, String> provisioner = Map.ofEntries(
                Map.entry("organisation", clever.organisationId()), Map.entry("api-url", clever.url()),
                Map.entry("token", API_TOKEN), Map.entry("secret", API_SECRET), Map.entry("endpoint-scheme", "http"),
                Map.entry("gateway-jar", jar.toString()), Map.entry("poll-interval", "200ms"),
                Map.entry("boot-timeout", "60s"), Map.entry("repository-timeout", "20s"),
                Map.entry("price.XL", "1.1111"), Map.entry("env.EXTRA_SETTING", "yes"));
        RunnerSettings settings = new RunnerSettings("clever", gitlab.url(), Secret.of(runner.token()), 0, 1,
                "docker", "clever-cloud", ProviderSettings.empty(),
                new ProviderSettings("runners[0].provisioners.clever-cloud", provisioner), null, IMAGE, 0);
        return Engine.builder()
                .settings(new EngineSettings(concurrent, Duration.ofMillis(300), Duration.ofSeconds(30),
                        dir.resolve("journal.json"), List.of(settings)))
                .traceInterval(Duration.ofMillis(500)).reapInterval(Duration.ofSeconds(2)).version("it").build();
    }

    JobHandle enqueue(String name, String flavor, String... script) {
        var job = Jobs.job(name).tags("clever-cloud").image(IMAGE).variable("GIT_STRATEGY", "none").script(script);
        if (flavor != null) {
            job.variable("CI_CLEVER_CLOUD_FLAVOR", flavor);
        }
        return gitlab.enqueue(job);
    }

    @Test
    void anXlJobRunsOnItsOwnVmWithAServiceAndTheVmIsDeletedAfterwards() throws Exception {
        clever = simulator(Duration.ofMillis(500));
        var job = Jobs.job("on-xl").tags("clever-cloud").image(IMAGE).variable("GIT_STRATEGY", "none")
                .variable("CI_CLEVER_CLOUD_FLAVOR", "XL")
                .service("busybox:latest", "web", List.of("-c",
                        "mkdir -p /www && echo from the service > /www/index.html && exec httpd -f -p 8080 -h /www"),
                        List.of("sh"), Map.of())
                .script("for i in $(seq 1 50); do wget -qO- http://web:8080/ && break; sleep 0.2; done");
        JobHandle handle = gitlab.enqueue(job);
        engine = engine(2).start();

        JobView view = gitlab.awaitJob(handle.id(), Duration.ofSeconds(120));
        assertThat(view.finalState()).as(view.traceText()).isEqualTo(JobState.SUCCESS);
        assertThat(view.traceText()).contains("from the service")
                .containsPattern("flavor XL, up \\d+ s, billed \\d+0 s \\(10 s granularity\\), estimated cost 0\\.\\d{4}"
                        + " EUR");
        clever.awaitNoApplications(Duration.ofSeconds(20));
        List<SimulatedApplication> created = clever.createdApplications();
        assertThat(created).singleElement().satisfies(app -> {
            // <name_prefix>-<host key>-<job>: the key comes from the system id, journal and runner name, not the token
            assertThat(app.name()).matches("clever-runner-[0-9a-f]{8}-" + handle.id());
            assertThat(app.flavor()).isEqualToIgnoringCase("heptapod-runner-XL");
            assertThat(app.lifetime()).isEqualTo("TASK");
            assertThat(app.creationBody().get("instanceType").asText()).isEqualTo("docker");
            assertThat(app.creationBody().get("minInstances").asInt()).isEqualTo(1);
            assertThat(app.env()).containsEntry("CC_MOUNT_DOCKER_SOCKET", "true").containsEntry("EXTRA_SETTING", "yes")
                    .containsEntry("CC_ENABLE_HEPTAPOD_RUNNER", "true").containsKey("GATEWAY_TOKEN");
            assertThat(app.creationBody().get("instanceVariant").asText())
                    .isEqualTo(CleverCloudSimulator.HEPTAPOD_RUNNER_VARIANT);
            assertThat(app.deleted()).isTrue();
        });
        assertThat(view.traceText()).doesNotContain(created.get(0).env().get("GATEWAY_TOKEN"));
    }

    @Test
    void aDockerVersionRetiredBetweenTwoJobsIsReadAgainAndTheNextJobRuns() throws Exception {
        clever = simulator(Duration.ofMillis(200));
        engine = engine(1).start();
        JobView first = gitlab.awaitJob(enqueue("before", null, "echo first").id(), Duration.ofSeconds(120));
        assertThat(first.finalState()).as(first.traceText()).isEqualTo(JobState.SUCCESS);

        // Clever Cloud moves docker on: the version the provisioner cached is refused with 9017
        clever.retireDockerVersion("20990101");
        JobView second = gitlab.awaitJob(enqueue("after", null, "echo second").id(), Duration.ofSeconds(120));

        assertThat(second.finalState()).as(second.traceText()).isEqualTo(JobState.SUCCESS);
        assertThat(clever.createdApplications()).hasSize(2).last().satisfies(app ->
                assertThat(app.creationBody().get("instanceVersion").asText()).isEqualTo("20990101"));
        clever.awaitNoApplications(Duration.ofSeconds(20));
    }

    @Test
    void anInvalidFlavorFailsBeforeAnyVmExistsListingTheValidOnes() throws Exception {
        clever = simulator(Duration.ofMillis(200));
        JobHandle bad = enqueue("bad-flavor", "HUGE\u0007../x", "echo never");
        engine = engine(1).start();

        JobView view = gitlab.awaitJob(bad.id(), Duration.ofSeconds(60));
        assertThat(view.finalState()).isEqualTo(JobState.FAILED);
        assertThat(view.failureReason()).isEqualTo("runner_system_failure");
        assertThat(view.traceText()).contains("valid choices: XS, S, M, L, XL, 2XL, 3XL").doesNotContain("\u0007")
                .doesNotContain("never\n");
        assertThat(clever.createdApplications()).isEmpty();
    }

    @Test
    void twentyJobsFinishThroughThirtyPercentOfFailingApiCallsAndNoVmRemains() throws Exception {
        clever = simulator(Duration.ofMillis(200));
        clever.faults().fraction(0.3, 42).respondOneOf(500, 502, 503, 429);
        List<JobHandle> jobs = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            jobs.add(enqueue("flaky-" + i, i % 2 == 0 ? "S" : null, "echo job " + i));
        }
        engine = engine(4).start();

        for (JobHandle job : jobs) {
            JobView view = gitlab.awaitJob(job.id(), Duration.ofSeconds(240));
            assertThat(view.finalState()).as(view.traceText()).isIn(JobState.SUCCESS, JobState.FAILED);
        }
        long succeeded = jobs.stream().filter(j -> gitlab.job(j.id()).finalState() == JobState.SUCCESS).count();
        String failures = jobs.stream().map(j -> gitlab.job(j.id()))
                .filter(v -> v.finalState() != JobState.SUCCESS)
                .map(v -> "job " + v.id() + ":\n" + v.traceText()).reduce("", String::concat);
        assertThat(succeeded).as("jobs that got through the failing API; the others:\n" + failures)
                .isGreaterThanOrEqualTo(18);
        clever.faults().clear();
        clever.awaitNoApplications(Duration.ofSeconds(30));
    }

    @Test
    void cancelingAJobWhileItsVmBootsDeletesTheVm() throws Exception {
        clever = simulator(Duration.ofSeconds(20));
        JobHandle job = enqueue("canceled-early", "M", "echo never");
        engine = engine(1).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (clever.applications().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(clever.applications()).hasSize(1);
        gitlab.cancel(job.id());

        JobView view = gitlab.awaitJob(job.id(), Duration.ofSeconds(30));
        assertThat(view.finalState()).isEqualTo(JobState.CANCELED);
        clever.awaitNoApplications(Duration.ofSeconds(15));
        assertThat(view.traceText()).contains("canceled while its host was provisioned").doesNotContain("never\n");
    }

    @Test
    void aVmThatVanishesMidJobFailsTheJobClearlyAndLeaksNothing() throws Exception {
        clever = simulator(Duration.ofMillis(300));
        JobHandle job = enqueue("vanishing", "S", "echo started", "sleep 30", "echo never");
        engine = engine(1).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!gitlab.traceText(job.id()).contains("started") && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(gitlab.traceText(job.id())).contains("started");

        clever.faults().vanish(clever.applications().get(0).id());

        JobView view = gitlab.awaitJob(job.id(), Duration.ofSeconds(60));
        assertThat(view.finalState()).isEqualTo(JobState.FAILED);
        assertThat(view.failureReason()).isEqualTo("runner_system_failure");
        assertThat(view.traceText()).contains("ERROR: Job failed (system failure)").doesNotContain("never\n");
        clever.awaitNoApplications(Duration.ofSeconds(10));
    }
}
