package org.cleverrunner.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.cleverrunner.docker.internal.Names;
import org.cleverrunner.spi.ArtifactTransfer;
import org.cleverrunner.spi.CacheStore;
import org.cleverrunner.spi.Host;
import org.cleverrunner.spi.JobContext;
import org.cleverrunner.spi.JobControl;
import org.cleverrunner.spi.JobOutcome;
import org.cleverrunner.spi.JobPlan;
import org.cleverrunner.spi.Secret;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whole jobs through the executor on the real Docker Engine the test environment provides. */
class DockerExecutorIT {

    static final String RUNNER = "it" + Long.toHexString(System.nanoTime() & 0xffffff);
    static final AtomicLong JOB_IDS = new AtomicLong(1000);
    static DockerClient docker;
    static Host host;
    static DockerExecutor executor;

    @BeforeAll
    static void connect() {
        docker = TestDockerEngine.connect();
        host = new Host("local", URI.create(TestDockerEngine.dockerHost()), null, null, Map.of());
        executor = DockerExecutor.builder().serviceWaitTimeout(Duration.ofSeconds(10)).build();
    }

    @AfterAll
    static void sweep() throws IOException {
        executor.sweep(host, RUNNER);
        docker.close();
    }

    static JobPlan plan(List<String> script, List<String> afterScript, List<JobPlan.Variable> variables,
            List<JobPlan.ServiceSpec> services) {
        List<JobPlan.Variable> all = new ArrayList<>(variables);
        all.add(JobPlan.Variable.of("GIT_STRATEGY", "none"));
        return new JobPlan(RUNNER, JOB_IDS.incrementAndGet(), "test", "group/project",
                JobPlan.ImageSpec.of(TestDockerEngine.BUSYBOX), services, all, null, script, afterScript,
                Duration.ofMinutes(2), Duration.ofSeconds(30), null, null, null, null);
    }

    static JobPlan withTimeout(JobPlan plan, Duration timeout) {
        return new JobPlan(plan.runnerId(), plan.jobId(), plan.jobName(), plan.projectPath(), plan.image(),
                plan.services(), plan.variables(), plan.sources(), plan.script(), plan.afterScript(), timeout,
                plan.afterScriptTimeout(), plan.caches(), plan.artifacts(), plan.dependencies(), plan.registryAuths());
    }

    record Run(JobOutcome outcome, RecordingTrace trace) {
    }

    static Run run(JobPlan plan, CacheStore cache, ArtifactTransfer artifacts) throws InterruptedException {
        RecordingTrace trace = new RecordingTrace();
        JobOutcome outcome = executor.run(plan, host, new JobContext(trace, cache, artifacts, new JobControl()));
        assertNothingLeft(plan.jobId());
        return new Run(outcome, trace);
    }

    static void assertNothingLeft(long jobId) {
        Map<String, String> filter = Map.of(Names.LABEL_RUNNER, RUNNER, Names.LABEL_JOB, Long.toString(jobId));
        List<String> labels = List.of(Names.LABEL_RUNNER + "=" + RUNNER, Names.LABEL_JOB + "=" + jobId);
        assertThat(docker.listContainersCmd().withShowAll(true).withLabelFilter(filter).exec()).isEmpty();
        assertThat(docker.listNetworksCmd().withFilter("label", labels).exec()).isEmpty();
        assertThat(docker.listVolumesCmd().withFilter("label", labels).exec().getVolumes()).isEmpty();
    }

    @Test
    void twoServicesReachableByEveryAliasSeeJobVariablesAndEverySectionShows() throws Exception {
        String serve = "mkdir -p /www && echo \"$SERVICE_NAME sees $JOB_ONLY\" > /www/index.html"
                + " && exec httpd -f -p 8080 -h /www";
        List<JobPlan.ServiceSpec> services = List.of(
                new JobPlan.ServiceSpec("busybox:latest", List.of("web", "www"), List.of("sh", "-c"), List.of(serve),
                        List.of(JobPlan.Variable.of("SERVICE_NAME", "first")), null),
                new JobPlan.ServiceSpec(TestDockerEngine.BUSYBOX, List.of(), List.of("sh", "-c"), List.of(serve),
                        List.of(JobPlan.Variable.of("SERVICE_NAME", "second")), null));
        List<String> script = new ArrayList<>();
        for (String alias : List.of("web", "www", "busybox", "clever-runner-busybox", "clever-runner__busybox")) {
            script.add("for i in $(seq 1 50); do wget -qO- http://" + alias + ":8080/ && break; sleep 0.2; done"
                    + " | sed 's/^/" + alias + ": /'");
        }
        Run run = run(plan(script, List.of(), List.of(JobPlan.Variable.of("JOB_ONLY", "the job variable")),
                services), null, null);

        assertThat(run.outcome().status()).as(run.trace().text()).isEqualTo(JobOutcome.Status.SUCCESS);
        assertThat(run.trace().text())
                .contains("web: first sees the job variable", "www: first sees the job variable",
                        "busybox: first sees the job variable",
                        "clever-runner-busybox: second sees the job variable",
                        "clever-runner__busybox: second sees the job variable");
        assertThat(run.trace().sections()).containsSubsequence("prepare_executor", "get_sources", "step_script");
    }

    @Test
    void servicePortsAreAwaitedAndADeadServiceOnlyWarnsWithItsLogs() throws Exception {
        // an image that EXPOSEs 8080, as service images do
        String exposing = "clever-runner/busybox-exposing:" + RUNNER;
        String base = docker.createContainerCmd(TestDockerEngine.BUSYBOX).withCmd("true")
                .withLabels(TestDockerEngine.LABELS).exec().getId();
        try {
            docker.commitCmd(base).withRepository("clever-runner/busybox-exposing").withTag(RUNNER)
                    .withExposedPorts(new com.github.dockerjava.api.model.ExposedPorts(
                            com.github.dockerjava.api.model.ExposedPort.tcp(8080)))
                    .exec();
        } finally {
            docker.removeContainerCmd(base).withForce(true).exec();
        }
        try {
            String slowStart = "sleep 1; mkdir -p /www; echo up > /www/index.html; exec httpd -f -p 8080 -h /www";
            List<JobPlan.ServiceSpec> services = List.of(
                    new JobPlan.ServiceSpec(exposing, List.of("slow"), List.of("sh", "-c"), List.of(slowStart), null,
                            null),
                    new JobPlan.ServiceSpec(exposing, List.of("dead"), List.of("sh", "-c"),
                            List.of("echo 'dead service: config error' >&2; sleep 600"), null, null));
            DockerExecutor quick = DockerExecutor.builder().serviceWaitTimeout(Duration.ofSeconds(4)).build();
            JobPlan plan = plan(List.of("wget -qO- http://slow:8080/"), List.of(), List.of(), services);
            RecordingTrace trace = new RecordingTrace();

            JobOutcome outcome = quick.run(plan, host, new JobContext(trace, null, null, new JobControl()));

            assertThat(outcome.status()).as(trace.text()).isEqualTo(JobOutcome.Status.SUCCESS);
            assertThat(trace.text()).contains("Waiting for service slow on port(s) 8080")
                    .contains("WARNING: Service dead probably didn't start properly")
                    .contains("dead service: config error")
                    .doesNotContain("Service slow probably")
                    .contains("up\n");
            assertNothingLeft(plan.jobId());
        } finally {
            docker.removeImageCmd(exposing).withForce(true).exec();
        }
    }

    @Test
    void failingScriptGivesExitCodeAndAfterScriptSeesFailedStatus() throws Exception {
        Run run = run(plan(List.of("echo before", "exit 3", "echo never printed"),
                List.of("echo \"after_script sees $CI_JOB_STATUS\""), List.of(), List.of()), null, null);

        assertThat(run.outcome().status()).isEqualTo(JobOutcome.Status.FAILED);
        assertThat(run.outcome().failure()).isEqualTo(JobOutcome.FailureKind.SCRIPT_FAILURE);
        assertThat(run.outcome().exitCode()).isEqualTo(3);
        assertThat(run.trace().text()).contains("before", "after_script sees failed")
                .doesNotContain("never printed");
        assertThat(run.trace().sections()).contains("after_script");
    }

    @Test
    void failingPipelineFailsUnderBashLikeSemanticsAndVariablesReachTheScript() throws Exception {
        Run run = run(plan(List.of("echo \"dir=$CI_PROJECT_DIR pwd=$(pwd)\"", "cat \"$CONFIG_FILE\"",
                        "echo \"masked=$SECRET builds=$CI_BUILDS_DIR\"", "false | true", "echo reached"),
                List.of(), List.of(new JobPlan.Variable("CONFIG_FILE", "line one\nline two", false, true, false),
                        JobPlan.Variable.masked("SECRET", "s3cr3t-value"),
                        JobPlan.Variable.of("BAD NAME;rm -rf /", "x")), List.of()), null, null);

        assertThat(run.outcome().status()).as(run.trace().text()).isEqualTo(JobOutcome.Status.SUCCESS);
        assertThat(run.trace().text())
                .contains("dir=/builds/group/project pwd=/builds/group/project")
                .contains("line one\nline two")
                .contains("masked=s3cr3t-value builds=/builds") // masking is the engine's Trace's job
                .contains("ignoring variable with invalid name")
                .contains("reached");
    }

    @Test
    void timeoutStopsTheJobAndAfterScriptSeesTimedout() throws Exception {
        JobPlan plan = withTimeout(plan(List.of("sleep 30"), List.of("echo \"status=$CI_JOB_STATUS\""), List.of(),
                List.of()), Duration.ofSeconds(3));
        long started = System.nanoTime();
        Run run = run(plan, null, null);

        assertThat(run.outcome().failure()).isEqualTo(JobOutcome.FailureKind.JOB_EXECUTION_TIMEOUT);
        assertThat(run.trace().text()).contains("status=timedout")
                // the job's timeout as people write it, not the time that was left when the script started
                .contains("step_script exceeded its timeout of 3s");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(25));
    }

    @Test
    void cancelDuringSleepRemovesEverythingWithinSeconds() throws Exception {
        JobPlan plan = plan(List.of("echo started", "sleep 300"), List.of("echo after on cancel"), List.of(),
                List.of(JobPlan.ServiceSpec.of("busybox:latest", "idle")));
        RecordingTrace trace = new RecordingTrace();
        JobControl control = new JobControl();
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try {
            Future<JobOutcome> outcome = startUntil(thread, plan, trace, control, "$ sleep 300");
            assertThat(trace.text()).contains("$ sleep 300");
            Thread.sleep(300);
            long canceledAt = System.nanoTime();
            control.abort();

            JobOutcome result = outcome.get(10, TimeUnit.SECONDS);
            assertThat(Duration.ofNanos(System.nanoTime() - canceledAt)).isLessThan(Duration.ofSeconds(10));
            assertThat(result.status()).isEqualTo(JobOutcome.Status.CANCELED);
            assertThat(trace.text()).doesNotContain("after on cancel");
            assertNothingLeft(plan.jobId());
        } finally {
            thread.shutdownNow();
        }
    }

    @Test
    void interruptingTheExecutorThreadStillRemovesEverything() throws Exception {
        JobPlan plan = plan(List.of("sleep 300"), List.of(), List.of(),
                List.of(JobPlan.ServiceSpec.of("busybox:latest", "idle")));
        RecordingTrace trace = new RecordingTrace();
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try {
            Future<JobOutcome> outcome = startUntil(thread, plan, trace, new JobControl(), "$ sleep 300");
            outcome.cancel(true); // interrupts the executor's thread
            thread.shutdown();
            assertThat(thread.awaitTermination(15, TimeUnit.SECONDS)).as("the run ended after the interrupt").isTrue();
            assertNothingLeft(plan.jobId());
        } finally {
            thread.shutdownNow();
        }
    }

    @Test
    void gracefulCancelStillRunsAfterScript() throws Exception {
        JobPlan plan = plan(List.of("sleep 300"), List.of("echo \"after sees $CI_JOB_STATUS\""), List.of(), List.of());
        RecordingTrace trace = new RecordingTrace();
        JobControl control = new JobControl();
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try {
            Future<JobOutcome> outcome = startUntil(thread, plan, trace, control, "$ sleep 300");
            control.cancel();
            JobOutcome result = outcome.get(20, TimeUnit.SECONDS);
            assertThat(result.status()).isEqualTo(JobOutcome.Status.CANCELED);
            assertThat(trace.text()).contains("after sees canceled");
            assertNothingLeft(plan.jobId());
        } finally {
            thread.shutdownNow();
        }
    }

    /** Starts the job on {@code thread} and returns once its log shows {@code marker}. */
    static Future<JobOutcome> startUntil(ExecutorService thread, JobPlan plan, RecordingTrace trace,
            JobControl control, String marker) throws InterruptedException {
        Future<JobOutcome> outcome = thread.submit(() -> executor.run(plan, host,
                new JobContext(trace, null, null, control)));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!trace.text().contains(marker) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(trace.text()).contains(marker);
        return outcome;
    }

    @Test
    void missingImageIsAnImagePullFailureWithTheEngineMessage() throws Exception {
        JobPlan base = plan(List.of("true"), List.of(), List.of(), List.of());
        JobPlan plan = new JobPlan(base.runnerId(), base.jobId(), "pull", base.projectPath(),
                JobPlan.ImageSpec.of("127.0.0.1:9/nowhere/missing:1"), List.of(), base.variables(), null,
                base.script(), List.of(), base.timeout(), null, null, null, null, null);
        Run run = run(plan, null, null);
        assertThat(run.outcome().failure()).isEqualTo(JobOutcome.FailureKind.IMAGE_PULL_FAILURE);
        assertThat(run.outcome().message()).contains("127.0.0.1:9/nowhere/missing:1");
    }

    @Test
    void pullsAPrivateImageWithTheJobsRegistryCredentialsAndReportsARefusal() throws Exception {
        String registry = System.getenv("CLEVER_RUNNER_TEST_REGISTRY");
        assertThat(registry).as("scripts/test.sh provides a private registry (CLEVER_RUNNER_TEST_REGISTRY)")
                .isNotBlank();
        String image = registry + "/test/busybox:1";
        String password = System.getenv("CLEVER_RUNNER_TEST_REGISTRY_PASSWORD");
        JobPlan base = plan(List.of("echo pulled and running"), List.of(), List.of(), List.of());
        try {
            JobPlan refused = new JobPlan(base.runnerId(), base.jobId(), "pull", base.projectPath(),
                    new JobPlan.ImageSpec(image, null, List.of("always"), null, null), List.of(), base.variables(),
                    null, base.script(), List.of(), base.timeout(), null, null, null, null,
                    List.of(new JobPlan.RegistryAuth(registry, System.getenv("CLEVER_RUNNER_TEST_REGISTRY_USER"),
                            Secret.of("not-the-password"))));
            Run denied = run(refused, null, null);
            assertThat(denied.outcome().failure()).isEqualTo(JobOutcome.FailureKind.IMAGE_PULL_FAILURE);
            assertThat(denied.outcome().message()).contains(image).doesNotContain("not-the-password");

            JobPlan allowed = new JobPlan(base.runnerId(), JOB_IDS.incrementAndGet(), "pull", base.projectPath(),
                    refused.image(), List.of(), base.variables(), null, base.script(), List.of(), base.timeout(), null,
                    null, null, null, List.of(new JobPlan.RegistryAuth(registry,
                            System.getenv("CLEVER_RUNNER_TEST_REGISTRY_USER"), Secret.of(password))));
            Run pulled = run(allowed, null, null);
            assertThat(pulled.outcome().status()).as(pulled.trace().text()).isEqualTo(JobOutcome.Status.SUCCESS);
            assertThat(pulled.trace().text()).contains("Pulling docker image " + image, "pulled and running")
                    .doesNotContain(password);
        } finally {
            try {
                docker.removeImageCmd(image).withForce(true).exec();
            } catch (com.github.dockerjava.api.exception.NotFoundException e) {
                // never pulled
            }
        }
    }

    @Test
    void credentialsComeInGitLabRunnersPrecedenceAndTheLogNamesTheirSource(@TempDir Path dir) throws Exception {
        String registry = System.getenv("CLEVER_RUNNER_TEST_REGISTRY");
        assertThat(registry).as("scripts/test.sh provides a private registry (CLEVER_RUNNER_TEST_REGISTRY)")
                .isNotBlank();
        String image = registry + "/test/busybox:1";
        String user = System.getenv("CLEVER_RUNNER_TEST_REGISTRY_USER");
        String password = System.getenv("CLEVER_RUNNER_TEST_REGISTRY_PASSWORD");
        String right = java.util.Base64.getEncoder().encodeToString((user + ":" + password)
                .getBytes(StandardCharsets.UTF_8));
        String wrong = java.util.Base64.getEncoder().encodeToString((user + ":wrong-secret-1")
                .getBytes(StandardCharsets.UTF_8));
        JobPlan base = plan(List.of("echo pulled and running"), List.of(), List.of(), List.of());
        java.util.function.BiFunction<String, String, JobPlan> job = (authConfig, payloadPassword) -> {
            List<JobPlan.Variable> variables = new java.util.ArrayList<>(base.variables());
            if (authConfig != null) {
                variables.add(new JobPlan.Variable("DOCKER_AUTH_CONFIG", "{\"auths\": {\"http://" + registry
                        + "\": {\"auth\": \"" + authConfig + "\"}}}", true, false, false));
            }
            return new JobPlan(base.runnerId(), JOB_IDS.incrementAndGet(), "pull", base.projectPath(),
                    new JobPlan.ImageSpec(image, null, List.of("always"), null, null), List.of(), variables, null,
                    base.script(), List.of(), base.timeout(), null, null, null, null,
                    List.of(new JobPlan.RegistryAuth(registry, user, Secret.of(payloadPassword))));
        };
        try {
            // DOCKER_AUTH_CONFIG first: right there, wrong in the payload
            Run variable = run(job.apply(right, "wrong-secret-2"), null, null);
            assertThat(variable.outcome().status()).as(variable.trace().text()).isEqualTo(JobOutcome.Status.SUCCESS);
            assertThat(variable.trace().text()).contains("Authenticating with credentials from $DOCKER_AUTH_CONFIG",
                    "pulled and running").doesNotContain(password, right);

            // and it wins even when wrong: the payload's right credentials are not tried (no local copy to fall
            // back on)
            docker.removeImageCmd(image).withForce(true).exec();
            Run first = run(job.apply(wrong, password), null, null);
            assertThat(first.outcome().failure()).as(first.trace().text())
                    .isEqualTo(JobOutcome.FailureKind.IMAGE_PULL_FAILURE);
            assertThat(first.trace().text()).contains("Authenticating with credentials from $DOCKER_AUTH_CONFIG")
                    .doesNotContain("wrong-secret-1", wrong, password);

            // the runner host's Docker config comes before the payload
            Path config = Files.writeString(dir.resolve("config.json"), "{\"auths\": {\"" + registry
                    + "\": {\"username\": \"" + user + "\", \"password\": \"" + password + "\"}}}");
            DockerExecutor withHostConfig = DockerExecutor.builder().dockerConfig(config).build();
            RecordingTrace trace = new RecordingTrace();
            JobPlan payloadWrong = job.apply(null, "wrong-secret-3");
            JobOutcome outcome = withHostConfig.run(payloadWrong, host, new JobContext(trace, null, null,
                    new JobControl()));
            assertNothingLeft(payloadWrong.jobId());
            assertThat(outcome.status()).as(trace.text()).isEqualTo(JobOutcome.Status.SUCCESS);
            assertThat(trace.text()).contains("Authenticating with credentials from " + config)
                    .doesNotContain(password);

            // with only the payload's, the log says so
            docker.removeImageCmd(image).withForce(true).exec();
            Run payload = run(job.apply(null, password), null, null);
            assertThat(payload.outcome().status()).as(payload.trace().text()).isEqualTo(JobOutcome.Status.SUCCESS);
            assertThat(payload.trace().text())
                    .contains("Authenticating with credentials from job payload (GitLab Registry)");
        } finally {
            try {
                docker.removeImageCmd(image).withForce(true).exec();
            } catch (com.github.dockerjava.api.exception.NotFoundException e) {
                // never pulled
            }
        }
    }

    @Test
    void pullsFromATlsRegistryWhoseCertificateTheEngineChecksAgainstItsCa() throws Exception {
        String registry = System.getenv("CLEVER_RUNNER_TEST_TLS_REGISTRY");
        assertThat(registry).as("scripts/test.sh provides a TLS registry (CLEVER_RUNNER_TEST_TLS_REGISTRY)")
                .isNotBlank();
        // the Engine skips certificate checks on loopback: this registry's address is another one
        assertThat(registry).doesNotStartWith("127.").doesNotStartWith("localhost");
        String image = registry + "/test/busybox:1";
        String password = System.getenv("CLEVER_RUNNER_TEST_REGISTRY_PASSWORD");
        JobPlan base = plan(List.of("echo pulled over tls"), List.of(), List.of(), List.of());
        JobPlan plan = new JobPlan(base.runnerId(), base.jobId(), "pull", base.projectPath(),
                new JobPlan.ImageSpec(image, null, List.of("always"), null, null), List.of(), base.variables(), null,
                base.script(), List.of(), base.timeout(), null, null, null, null,
                List.of(new JobPlan.RegistryAuth(registry, System.getenv("CLEVER_RUNNER_TEST_REGISTRY_USER"),
                        Secret.of(password))));
        try {
            Run pulled = run(plan, null, null);
            assertThat(pulled.outcome().status()).as(pulled.trace().text()).isEqualTo(JobOutcome.Status.SUCCESS);
            assertThat(pulled.trace().text()).contains("Pulling docker image " + image,
                    "Authenticating with credentials from job payload (GitLab Registry)", "pulled over tls")
                    .doesNotContain(password);
        } finally {
            removeImage(image);
        }
    }

    @Test
    void theRunnerHostsCredentialHelpersServeTheirRegistries(@TempDir Path dir) throws Exception {
        String registry = System.getenv("CLEVER_RUNNER_TEST_REGISTRY");
        String tlsRegistry = System.getenv("CLEVER_RUNNER_TEST_TLS_REGISTRY");
        assertThat(registry).as("scripts/test.sh provides a private registry (CLEVER_RUNNER_TEST_REGISTRY)")
                .isNotBlank();
        String user = System.getenv("CLEVER_RUNNER_TEST_REGISTRY_USER");
        String password = System.getenv("CLEVER_RUNNER_TEST_REGISTRY_PASSWORD");
        // docker-credential-helpers' protocol: the server URL on stdin, the credentials as JSON on stdout
        Path bin = Files.createDirectories(dir.resolve("bin"));
        for (String helper : List.of("clever-store", "clever-ecr")) {
            Path program = bin.resolve("docker-credential-" + helper);
            Files.writeString(program, "#!/bin/sh\nread -r server\necho \"$1 $server\" >> " + dir.resolve("calls")
                    + "\ncase \"$1\" in\n list) echo '{\"" + tlsRegistry + "\": \"" + user + "\"}' ;;\n"
                    + " get) echo '{\"ServerURL\": \"'\"$server\"'\", \"Username\": \"" + user + "\", \"Secret\": \""
                    + password + "\"}' ;;\nesac\n");
            Files.setPosixFilePermissions(program, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        }
        Path config = Files.writeString(dir.resolve("config.json"), "{\"credsStore\": \"clever-store\","
                + " \"credHelpers\": {\"" + registry + "\": \"clever-ecr\"}}");
        DockerExecutor executor = DockerExecutor.builder().dockerConfig(config).credentialHelperPath(List.of(bin))
                .build();
        JobPlan base = plan(List.of("echo pulled with a helper"), List.of(), List.of(), List.of());
        try {
            for (String image : List.of(registry + "/test/busybox:1", tlsRegistry + "/test/busybox:1")) {
                String wrongRegistry = image.substring(0, image.indexOf('/'));
                // the payload's credentials are wrong: only the helper's can pull
                JobPlan plan = new JobPlan(base.runnerId(), JOB_IDS.incrementAndGet(), "pull", base.projectPath(),
                        new JobPlan.ImageSpec(image, null, List.of("always"), null, null), List.of(),
                        base.variables(), null, base.script(), List.of(), base.timeout(), null, null, null, null,
                        List.of(new JobPlan.RegistryAuth(wrongRegistry, user, Secret.of("wrong-secret-4"))));
                RecordingTrace trace = new RecordingTrace();
                JobOutcome outcome = executor.run(plan, host, new JobContext(trace, null, null, new JobControl()));
                assertNothingLeft(plan.jobId());
                assertThat(outcome.status()).as(trace.text()).isEqualTo(JobOutcome.Status.SUCCESS);
                String helper = image.startsWith(registry) ? "docker-credential-clever-ecr"
                        : "docker-credential-clever-store";
                assertThat(trace.text()).contains("Authenticating with credentials from " + config + " (" + helper
                        + ")", "pulled with a helper").doesNotContain(password);
            }
            assertThat(Files.readAllLines(dir.resolve("calls"))).containsExactly("list ",
                    "get " + registry, "list ", "get " + tlsRegistry);
        } finally {
            removeImage(registry + "/test/busybox:1");
            removeImage(tlsRegistry + "/test/busybox:1");
        }
    }

    private void removeImage(String image) {
        try {
            docker.removeImageCmd(image).withForce(true).exec();
        } catch (com.github.dockerjava.api.exception.NotFoundException e) {
            // never pulled
        }
    }

    @Test
    void dockerHubImagesComeThroughTheDependencyProxyAndServicesKeepTheirAliases() throws Exception {
        String registry = System.getenv("CLEVER_RUNNER_TEST_REGISTRY");
        assertThat(registry).as("scripts/test.sh provides a private registry (CLEVER_RUNNER_TEST_REGISTRY)")
                .isNotBlank();
        String user = System.getenv("CLEVER_RUNNER_TEST_REGISTRY_USER");
        String password = System.getenv("CLEVER_RUNNER_TEST_REGISTRY_PASSWORD");
        // the test registry plays the group's proxy: GitLab serves Docker Hub's images under this path
        String prefix = registry + "/octobus/dependency_proxy/containers";
        String tag = "proxy" + JOB_IDS.incrementAndGet();
        List<String> pushed = List.of(prefix + "/library/busybox", prefix + "/octobus/heptapod");
        var auth = new com.github.dockerjava.api.model.AuthConfig().withRegistryAddress(registry).withUsername(user)
                .withPassword(password);
        for (String repository : pushed) {
            docker.tagImageCmd(TestDockerEngine.BUSYBOX, repository, tag).exec();
            docker.pushImageCmd(repository).withTag(tag).withAuthConfig(auth)
                    .exec(new com.github.dockerjava.api.async.ResultCallback.Adapter<>()).awaitCompletion();
            // pulled again by the job, not found here
            docker.removeImageCmd(repository + ":" + tag).exec();
        }
        DockerExecutor proxied = DockerExecutor.builder().serviceWaitTimeout(Duration.ofSeconds(10))
                .dependencyProxy(DockerExecutor.DependencyProxyMode.GROUP).build();
        JobPlan base = plan(List.of("true"), List.of(), List.of(), List.of());
        List<JobPlan.Variable> variables = new java.util.ArrayList<>(base.variables());
        variables.add(JobPlan.Variable.of("CI_DEPENDENCY_PROXY_GROUP_IMAGE_PREFIX", prefix));
        JobPlan job = new JobPlan(base.runnerId(), JOB_IDS.incrementAndGet(), "proxied", base.projectPath(),
                JobPlan.ImageSpec.of("busybox:" + tag),
                List.of(new JobPlan.ServiceSpec("octobus/heptapod:" + tag, List.of(), List.of(),
                        List.of("sleep", "60"), List.of(), List.of())),
                variables, null, List.of("ping -c 1 -W 5 octobus-heptapod", "ping -c 1 -W 5 octobus__heptapod",
                        "echo both-aliases-answered"), List.of(), base.timeout(), null, null, null, null,
                List.of(new JobPlan.RegistryAuth(registry, user, Secret.of(password))));
        try {
            RecordingTrace trace = new RecordingTrace();
            JobOutcome outcome = proxied.run(job, host, new JobContext(trace, null, null, new JobControl()));
            assertNothingLeft(job.jobId());

            assertThat(outcome.status()).as(trace.text()).isEqualTo(JobOutcome.Status.SUCCESS);
            assertThat(trace.text()).contains(
                    "Using the Dependency Proxy: busybox:" + tag + " is " + prefix + "/library/busybox:" + tag,
                    "Pulling docker image " + prefix + "/library/busybox:" + tag,
                    "Using the Dependency Proxy: octobus/heptapod:" + tag + " is " + prefix
                            + "/octobus/heptapod:" + tag,
                    "Authenticating with credentials from job payload (GitLab Registry)",
                    "as octobus-heptapod, octobus__heptapod", "both-aliases-answered").doesNotContain(password);
        } finally {
            for (String repository : pushed) {
                try {
                    docker.removeImageCmd(repository + ":" + tag).withForce(true).exec();
                } catch (com.github.dockerjava.api.exception.NotFoundException e) {
                    // never pulled
                }
            }
        }
    }

    @Test
    void pullPoliciesAreTriedInOrderAndAllowListsRefuseBeforeAnyPull() throws Exception {
        JobPlan base = plan(List.of("echo ran"), List.of(), List.of(), List.of());
        java.util.function.BiFunction<String, List<String>, JobPlan> job = (image, policies) -> new JobPlan(
                base.runnerId(), JOB_IDS.incrementAndGet(), "rules", base.projectPath(),
                new JobPlan.ImageSpec(image, null, policies, null, null), List.of(), base.variables(), null,
                base.script(), List.of(), base.timeout(), null, null, null, null, null);

        // no registry is reachable here: always fails, and the next policy uses the local image
        Run fallback = run(job.apply(TestDockerEngine.BUSYBOX, List.of("always", "if-not-present")), null, null);
        assertThat(fallback.outcome().status()).as(fallback.trace().text()).isEqualTo(JobOutcome.Status.SUCCESS);
        assertThat(fallback.trace().text()).contains("Pulling docker image " + TestDockerEngine.BUSYBOX,
                "trying the next pull policy, if-not-present", "Using locally found image " + TestDockerEngine.BUSYBOX,
                "ran");
        // always alone does not fall back
        Run always = run(job.apply(TestDockerEngine.BUSYBOX, List.of("always")), null, null);
        assertThat(always.outcome().failure()).as(always.trace().text())
                .isEqualTo(JobOutcome.FailureKind.IMAGE_PULL_FAILURE);
        // never with a missing image
        Run never = run(job.apply("clever-runner/absent:1", List.of("never")), null, null);
        assertThat(never.outcome().message()).contains("image clever-runner/absent:1 is not present and its pull"
                + " policy is never");
        assertThat(never.trace().text()).doesNotContain("Pulling docker image");

        DockerExecutor strict = DockerExecutor.builder().allowedImages(List.of("clever-runner/*:*"))
                .allowedServices(List.of("postgres:*")).allowedPullPolicies(List.of("if-not-present")).build();
        RecordingTrace trace = new RecordingTrace();
        JobPlan refused = job.apply("alpine:3", List.of());
        JobOutcome outcome = strict.run(refused, host, new JobContext(trace, null, null, new JobControl()));
        assertNothingLeft(refused.jobId());
        assertThat(outcome.failure()).isEqualTo(JobOutcome.FailureKind.IMAGE_PULL_FAILURE);
        assertThat(outcome.message()).isEqualTo("the image 'alpine:3' is not on the runner's allowed_images"
                + " (clever-runner/*:*)");
        assertThat(trace.text()).doesNotContain("Pulling docker image");

        trace = new RecordingTrace();
        JobPlan policy = job.apply(TestDockerEngine.BUSYBOX, List.of("always"));
        outcome = strict.run(policy, host, new JobContext(trace, null, null, new JobControl()));
        assertNothingLeft(policy.jobId());
        assertThat(outcome.message()).isEqualTo("pull_policy [always] defined in the job is not one of the runner's"
                + " allowed_pull_policies [if-not-present]");

        trace = new RecordingTrace();
        JobPlan allowed = job.apply(TestDockerEngine.BUSYBOX, List.of());
        outcome = strict.run(allowed, host, new JobContext(trace, null, null, new JobControl()));
        assertNothingLeft(allowed.jobId());
        assertThat(outcome.status()).as(trace.text()).isEqualTo(JobOutcome.Status.SUCCESS);
    }

    @Test
    void aRegistryThatNeverAnswersHoldsTheJobOnlyForThePullTimeout() throws Exception {
        // a registry on loopback that takes connections and never says a word
        try (java.net.ServerSocket hung = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            List<java.net.Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread accepting = new Thread(() -> {
                try {
                    while (true) {
                        held.add(hung.accept());
                    }
                } catch (IOException e) {
                    // closed
                }
            }, "hung-registry");
            accepting.setDaemon(true);
            accepting.start();
            String image = "127.0.0.1:" + hung.getLocalPort() + "/hung/image:1";
            JobPlan base = plan(List.of("echo never"), List.of(), List.of(), List.of());
            JobPlan job = new JobPlan(base.runnerId(), JOB_IDS.incrementAndGet(), "hung", base.projectPath(),
                    new JobPlan.ImageSpec(image, null, List.of("always"), null, null), List.of(), base.variables(),
                    null, base.script(), List.of(), base.timeout(), null, null, null, null, null);
            DockerExecutor impatient = DockerExecutor.builder().pullTimeout(Duration.ofSeconds(3)).build();
            RecordingTrace trace = new RecordingTrace();
            long started = System.nanoTime();

            JobOutcome outcome = impatient.run(job, host, new JobContext(trace, null, null, new JobControl()));

            long seconds = java.util.concurrent.TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
            assertNothingLeft(job.jobId());
            assertThat(outcome.failure()).as(trace.text()).isEqualTo(JobOutcome.FailureKind.IMAGE_PULL_FAILURE);
            assertThat(outcome.message()).isEqualTo("pulling image " + image + " gave up after 3s (the registry does"
                    + " not answer?)");
            assertThat(seconds).as("the job's own timeout is an hour").isLessThan(30);
            assertThat(held).as("the Engine did reach the registry").isNotEmpty();
            for (java.net.Socket socket : held) {
                socket.close();
            }
        }
    }

    @Test
    void ifNotPresentLeavesTheRegistryAloneWhenTheImageIsHereAndAlwaysPullsAChangedTag() throws Exception {
        String registry = System.getenv("CLEVER_RUNNER_TEST_REGISTRY");
        Path log = Path.of(System.getenv("CLEVER_RUNNER_TEST_REGISTRY_LOG"));
        String user = System.getenv("CLEVER_RUNNER_TEST_REGISTRY_USER");
        String password = System.getenv("CLEVER_RUNNER_TEST_REGISTRY_PASSWORD");
        String tag = "changing" + JOB_IDS.incrementAndGet();
        String repository = registry + "/test/changing";
        String image = repository + ":" + tag;
        var auth = new com.github.dockerjava.api.model.AuthConfig().withRegistryAddress(registry).withUsername(user)
                .withPassword(password);
        JobPlan base = plan(List.of("echo marker=$(cat /marker 2>/dev/null || echo none)"), List.of(), List.of(),
                List.of());
        java.util.function.Function<String, JobPlan> job = policy -> new JobPlan(base.runnerId(),
                JOB_IDS.incrementAndGet(), "policy", base.projectPath(),
                new JobPlan.ImageSpec(image, null, List.of(policy), null, null), List.of(), base.variables(), null,
                base.script(), List.of(), base.timeout(), null, null, null, null,
                List.of(new JobPlan.RegistryAuth(registry, user, Secret.of(password))));
        String changed = null;
        try {
            push(TestDockerEngine.BUSYBOX, repository, tag, auth);
            Run first = run(job.apply("if-not-present"), null, null);
            assertThat(first.trace().text()).as(first.trace().text()).contains("Pulling docker image " + image,
                    "marker=none");

            // the tag now names another image in the registry; the local copy stays the first one
            String pulled = docker.inspectImageCmd(image).exec().getId();
            changed = changedImage("v2");
            push(changed, repository, tag, auth);
            docker.tagImageCmd(pulled, repository, tag).exec();
            long before = manifestRequests(log, tag);
            Run present = run(job.apply("if-not-present"), null, null);
            assertThat(present.trace().text()).contains("Using locally found image " + image, "marker=none")
                    .doesNotContain("Pulling docker image");
            assertThat(manifestRequests(log, tag)).as("requests for the tag's manifest").isEqualTo(before);

            Run always = run(job.apply("always"), null, null);
            assertThat(always.outcome().status()).as(always.trace().text()).isEqualTo(JobOutcome.Status.SUCCESS);
            assertThat(always.trace().text()).contains("Pulling docker image " + image, "marker=v2");
            assertThat(manifestRequests(log, tag)).isGreaterThan(before);
        } finally {
            for (String leftover : java.util.Arrays.asList(image, changed)) {
                try {
                    if (leftover != null) {
                        docker.removeImageCmd(leftover).withForce(true).exec();
                    }
                } catch (com.github.dockerjava.api.exception.NotFoundException e) {
                    // never pulled, or already gone with its tag
                }
            }
        }
    }

    /** Tags a local image into the registry and pushes it; the local tag is removed again. */
    private static void push(String source, String repository, String tag,
            com.github.dockerjava.api.model.AuthConfig auth) throws InterruptedException {
        docker.tagImageCmd(source, repository, tag).exec();
        docker.pushImageCmd(repository).withTag(tag).withAuthConfig(auth)
                .exec(new com.github.dockerjava.api.async.ResultCallback.Adapter<>()).awaitCompletion();
        docker.removeImageCmd(repository + ":" + tag).exec();
    }

    /** A busybox image with /marker holding {@code marker}, committed from a container; its id. */
    private static String changedImage(String marker) throws InterruptedException {
        String id = docker.createContainerCmd(TestDockerEngine.BUSYBOX)
                .withCmd("sh", "-c", "echo " + marker + " > /marker").exec().getId();
        try {
            docker.startContainerCmd(id).exec();
            docker.waitContainerCmd(id).start().awaitStatusCode(30, java.util.concurrent.TimeUnit.SECONDS);
            return docker.commitCmd(id).exec();
        } finally {
            docker.removeContainerCmd(id).withForce(true).exec();
        }
    }

    /** How many times the registry's access log shows a request for the tag's manifest. */
    private static long manifestRequests(Path log, String tag) throws IOException {
        try (var lines = Files.lines(log)) {
            return lines.filter(line -> line.contains("/manifests/" + tag)).count();
        }
    }

    @Test
    void theJobsPlatformChoosesTheImageAndALocalImageOfAnotherPlatformIsNone() throws Exception {
        var local = docker.inspectImageCmd(TestDockerEngine.BUSYBOX).exec();
        String own = local.getOs() + "/" + local.getArch();
        String other = local.getOs() + "/" + ("arm64".equals(local.getArch()) ? "amd64" : "arm64");
        JobPlan base = plan(List.of("echo on $(uname -m)"), List.of(), List.of(), List.of());
        java.util.function.Function<String, JobPlan> job = platform -> new JobPlan(base.runnerId(),
                JOB_IDS.incrementAndGet(), "platform", base.projectPath(),
                new JobPlan.ImageSpec(TestDockerEngine.BUSYBOX, null, List.of("never"), null, platform), List.of(),
                base.variables(), null, base.script(), List.of(), base.timeout(), null, null, null, null, null);

        Run same = run(job.apply(own), null, null);
        assertThat(same.outcome().status()).as(same.trace().text()).isEqualTo(JobOutcome.Status.SUCCESS);

        Run elsewhere = run(job.apply(other), null, null);
        assertThat(elsewhere.outcome().failure()).as(elsewhere.trace().text())
                .isEqualTo(JobOutcome.FailureKind.IMAGE_PULL_FAILURE);
        assertThat(elsewhere.outcome().message()).isEqualTo("image " + TestDockerEngine.BUSYBOX + " is not present"
                + " for " + other + " and its pull policy is never");
        assertThat(elsewhere.trace().text()).contains("The local image " + TestDockerEngine.BUSYBOX + " is " + own
                + ", not " + other);
    }

    @Test
    void hostileValuesNeverReachAShellOrLeaveTheBuildDirectory() throws Exception {
        JobPlan base = plan(List.of("true"), List.of(), List.of(), List.of());
        JobPlan badImage = new JobPlan(base.runnerId(), base.jobId(), "x", base.projectPath(),
                JobPlan.ImageSpec.of("busybox; touch /tmp/pwned"), List.of(), base.variables(), null, base.script(),
                List.of(), base.timeout(), null, null, null, null, null);
        assertThat(run(badImage, null, null).outcome().message()).contains("invalid image reference");

        JobPlan badPath = new JobPlan(base.runnerId(), JOB_IDS.incrementAndGet(), "x", "group/../../etc",
                base.image(), List.of(), base.variables(), null, base.script(), List.of(), base.timeout(), null, null,
                null, null, null);
        Run escaped = run(badPath, null, null);
        assertThat(escaped.outcome().failure()).isEqualTo(JobOutcome.FailureKind.RUNNER_SYSTEM_FAILURE);
        assertThat(escaped.outcome().message()).contains("unsafe project path");

        JobPlan badAlias = plan(List.of("echo ok"), List.of(), List.of(),
                List.of(JobPlan.ServiceSpec.of("busybox:latest", "x;touch /tmp/pwned", "$(reboot)")));
        Run aliases = run(badAlias, null, null);
        assertThat(aliases.outcome().status()).isEqualTo(JobOutcome.Status.SUCCESS);
        assertThat(aliases.trace().text()).contains("ignoring invalid service alias 'x;touch /tmp/pwned'");
    }

    @Test
    void artifactsCachesAndDependenciesMoveThroughTheArchiveApi() throws Exception {
        MemoryCache cache = new MemoryCache();
        MemoryArtifacts artifacts = new MemoryArtifacts();
        artifacts.dependencies.put(41L, zip(Map.of("dist/app.txt", "built by job 41\n",
                "dist/run.sh", "#!/bin/sh\necho executable kept its mode\n")));

        JobPlan base = plan(List.of("cat dist/app.txt", "./dist/run.sh", "mkdir -p out vendor tmp",
                "echo a > out/a.txt", "echo b > out/b.log", "echo x > tmp/x", "echo dep > vendor/dep.txt"),
                List.of(), List.of(), List.of());
        JobPlan first = new JobPlan(base.runnerId(), base.jobId(), "build", base.projectPath(), base.image(),
                List.of(), base.variables(), null, base.script(), List.of(), base.timeout(), null,
                List.of(new JobPlan.CacheRule("deps-non_protected", List.of("vendor/"), false, "pull-push",
                        "on_success", null)),
                List.of(new JobPlan.ArtifactRule("artifacts", List.of("out/"), List.of("out/*.log"), false,
                        "on_success", "1 week", "archive", "zip")),
                List.of(new JobPlan.DependencySpec(41, "compile", "artifacts.zip")), null);
        Run built = run(first, cache, artifacts);

        assertThat(built.outcome().status()).as(built.trace().text()).isEqualTo(JobOutcome.Status.SUCCESS);
        assertThat(built.trace().text()).contains("built by job 41", "executable kept its mode");
        assertThat(entries(artifacts.uploaded.get("artifacts.zip"))).containsOnlyKeys("out/a.txt");
        assertThat(entries(cache.entries.get("deps-non_protected"))).containsEntry("vendor/dep.txt", "dep\n");
        assertThat(built.trace().sections()).contains("restore_cache", "download_artifacts", "archive_cache",
                "upload_artifacts_on_success");

        JobPlan second = new JobPlan(base.runnerId(), JOB_IDS.incrementAndGet(), "test", base.projectPath(),
                base.image(), List.of(), base.variables(), null, List.of("cat vendor/dep.txt"), List.of(),
                base.timeout(), null, first.caches(), null, null, null);
        Run restored = run(second, cache, artifacts);
        assertThat(restored.outcome().status()).as(restored.trace().text()).isEqualTo(JobOutcome.Status.SUCCESS);
        assertThat(restored.trace().text()).contains("Successfully extracted cache", "dep\n");

        // a job whose cache paths match nothing leaves the stored archive as it was
        byte[] before = cache.entries.get("deps-non_protected");
        JobPlan third = new JobPlan(base.runnerId(), JOB_IDS.incrementAndGet(), "clean", base.projectPath(),
                base.image(), List.of(), base.variables(), null, List.of("true"), List.of(), base.timeout(), null,
                List.of(new JobPlan.CacheRule("deps-non_protected", List.of("vendor/"), false, "push", "on_success",
                        null)), null, null, null);
        Run empty = run(third, cache, artifacts);
        assertThat(empty.trace().text()).contains("vendor/: no matching files, cache deps-non_protected not saved");
        assertThat(cache.entries.get("deps-non_protected")).isEqualTo(before);
    }

    @Test
    void nodeModulesBinLinksRoundTripThroughTheCacheAndStillRun() throws Exception {
        MemoryCache cache = new MemoryCache();
        List<JobPlan.CacheRule> caches = List.of(new JobPlan.CacheRule("npm-non_protected", List.of("node_modules/"),
                false, "pull-push", "on_success", null));
        JobPlan base = plan(List.of("true"), List.of(), List.of(), List.of());
        // what npm leaves: a package's bin script and its link in node_modules/.bin, plus a link leading out
        JobPlan install = new JobPlan(base.runnerId(), base.jobId(), "install", base.projectPath(), base.image(),
                List.of(), base.variables(), null, List.of(
                        "mkdir -p node_modules/tool/bin node_modules/.bin",
                        "printf '#!/bin/sh\\necho tool ran from %s\\n' cache > node_modules/tool/bin/tool",
                        "chmod +x node_modules/tool/bin/tool",
                        "ln -s ../tool/bin/tool node_modules/.bin/tool",
                        "ln -s /etc node_modules/etc",
                        "node_modules/.bin/tool"),
                List.of(), base.timeout(), null, caches, null, null, null);
        Run installed = run(install, cache, null);
        assertThat(installed.outcome().status()).as(installed.trace().text()).isEqualTo(JobOutcome.Status.SUCCESS);
        try (var zip = org.apache.commons.compress.archivers.zip.ZipFile.builder()
                .setByteArray(cache.entries.get("npm-non_protected")).get()) {
            var link = zip.getEntry("node_modules/.bin/tool");
            assertThat(link).as("the link is in the cache").isNotNull();
            assertThat(link.getUnixMode()).isEqualTo(0120777);
            assertThat(zip.getUnixSymlink(link)).isEqualTo("../tool/bin/tool");
        }

        JobPlan test = new JobPlan(base.runnerId(), JOB_IDS.incrementAndGet(), "test", base.projectPath(),
                base.image(), List.of(), base.variables(), null, List.of(
                        "node_modules/.bin/tool",
                        "echo \"link: $(readlink node_modules/.bin/tool)\"",
                        // the job log echoes each command: $x keeps the markers out of it
                        "x=etc; if [ -L node_modules/$x ]; then echo \"found-$x-link\";"
                                + " else echo \"absent-$x-link\"; fi"),
                List.of(), base.timeout(), null,
                List.of(new JobPlan.CacheRule("npm-non_protected", List.of("node_modules/"), false, "pull",
                        "on_success", null)), null, null, null);
        Run tested = run(test, cache, null);

        assertThat(tested.outcome().status()).as(tested.trace().text()).isEqualTo(JobOutcome.Status.SUCCESS);
        // the link leading out is kept too, as GitLab Runner keeps it (a venv's bin/python -> /usr/bin/python3)
        assertThat(tested.trace().text()).contains("Successfully extracted cache", "tool ran from cache",
                "link: ../tool/bin/tool", "found-etc-link").doesNotContain("absent-etc-link");
    }

    @Test
    void aDependencysLinksAreKeptWhereverTheyPointAsGitLabRunnerKeepsThem() throws Exception {
        MemoryArtifacts artifacts = new MemoryArtifacts();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (var zip = new org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream(bytes)) {
            for (String[] link : new String[][] {{"dist/latest", "app.txt"}, {"dist/passwd", "/etc/passwd"}}) {
                var entry = new org.apache.commons.compress.archivers.zip.ZipArchiveEntry(link[0]);
                entry.setUnixMode(0120777);
                zip.putArchiveEntry(entry);
                zip.write(link[1].getBytes(StandardCharsets.UTF_8));
                zip.closeArchiveEntry();
            }
            var file = new org.apache.commons.compress.archivers.zip.ZipArchiveEntry("dist/app.txt");
            zip.putArchiveEntry(file);
            zip.write("the app\n".getBytes(StandardCharsets.UTF_8));
            zip.closeArchiveEntry();
        }
        artifacts.dependencies.put(42L, bytes.toByteArray());
        JobPlan base = plan(List.of("cat dist/latest", "echo \"target: $(readlink dist/passwd)\""), List.of(),
                List.of(), List.of());
        JobPlan plan = new JobPlan(base.runnerId(), base.jobId(), "test", base.projectPath(), base.image(),
                List.of(), base.variables(), null, base.script(), List.of(), base.timeout(), null, null, null,
                List.of(new JobPlan.DependencySpec(42, "build", "artifacts.zip")), null);

        Run run = run(plan, null, artifacts);

        assertThat(run.outcome().status()).as(run.trace().text()).isEqualTo(JobOutcome.Status.SUCCESS);
        assertThat(run.trace().text()).contains("Downloaded artifacts for build (42)", "the app",
                "target: /etc/passwd").doesNotContain("skipped symlink");
    }

    @Test
    void aCorruptCacheIsNotHalfExtractedAndTheJobRunsUncached() throws Exception {
        MemoryCache cache = new MemoryCache();
        byte[] zip = zip(new java.util.TreeMap<>(Map.of("vendor/a.txt", "first file\n",
                "vendor/b.txt", "second file ".repeat(100))));
        // flip a byte in the data of the second entry: its CRC no longer matches
        int name = new String(zip, StandardCharsets.ISO_8859_1).indexOf("vendor/b.txt");
        zip[name + "vendor/b.txt".length() + 10] ^= 0x01;
        cache.entries.put("deps", zip);
        JobPlan base = plan(List.of("c=CACHED; if [ -e vendor/a.txt ]; then echo HALF-$c; else echo UN$c; fi"),
                List.of(), List.of(), List.of());
        JobPlan plan = new JobPlan(base.runnerId(), base.jobId(), "test", base.projectPath(), base.image(),
                List.of(), base.variables(), null, base.script(), List.of(), base.timeout(), null,
                List.of(new JobPlan.CacheRule("deps", List.of("vendor/"), false, "pull", "on_success", null)), null,
                null, null);

        Run run = run(plan, cache, null);

        assertThat(run.outcome().status()).as(run.trace().text()).isEqualTo(JobOutcome.Status.SUCCESS);
        assertThat(run.trace().text()).contains("failed to restore cache deps: archive is corrupt: entry "
                + "'vendor/b.txt'", "UNCACHED").doesNotContain("HALF-CACHED", "Successfully extracted cache");
    }

    @Test
    void fiftyMegabytesOfOutputStreamThrough() throws Exception {
        RecordingTrace trace = new RecordingTrace(1024 * 1024);
        JobPlan plan = plan(List.of("yes 0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijkl | head -c 52428800"),
                List.of(), List.of(), List.of());
        JobOutcome outcome = executor.run(plan, host, new JobContext(trace, null, null, new JobControl()));
        assertThat(outcome.status()).isEqualTo(JobOutcome.Status.SUCCESS);
        assertThat(trace.total()).isGreaterThanOrEqualTo(52_428_800L);
        assertNothingLeft(plan.jobId());
    }

    @Test
    void sweepRemovesLeftoversOfThisRunnerOnly() throws Exception {
        Names names = new Names(RUNNER, 999_999);
        docker.createVolumeCmd().withName(names.buildVolume()).withLabels(names.labels("builds")).exec();
        docker.createNetworkCmd().withName(names.network()).withLabels(names.labels("network")).exec();
        docker.createContainerCmd(TestDockerEngine.BUSYBOX).withName(names.container("orphan"))
                .withLabels(names.labels("orphan")).withCmd("true").exec();
        Names other = new Names("someone-else", 999_999);
        String otherVolume = docker.createVolumeCmd().withName(other.buildVolume()).withLabels(other.labels("builds"))
                .exec().getName();
        try {
            assertThat(executor.sweep(host, RUNNER)).isGreaterThanOrEqualTo(3);
            assertNothingLeft(999_999);
            assertThat(docker.inspectVolumeCmd(otherVolume).exec().getName()).isEqualTo(otherVolume);
        } finally {
            docker.removeVolumeCmd(otherVolume).exec();
        }
    }

    // ------------------------------------------------------------------ in-memory cache and artifacts

    static final class MemoryCache implements CacheStore {
        final Map<String, byte[]> entries = new ConcurrentHashMap<>();

        @Override
        public Optional<InputStream> open(String key) {
            byte[] bytes = entries.get(key);
            return bytes == null ? Optional.empty() : Optional.of(new ByteArrayInputStream(bytes));
        }

        @Override
        public void save(String key, InputStream archive, long length) throws IOException {
            entries.put(key, archive.readAllBytes());
        }
    }

    static final class MemoryArtifacts implements ArtifactTransfer {
        final Map<Long, byte[]> dependencies = new ConcurrentHashMap<>();
        final Map<String, byte[]> uploaded = new ConcurrentHashMap<>();

        @Override
        public boolean download(JobPlan.DependencySpec dependency, OutputStream out) throws IOException {
            byte[] zip = dependencies.get(dependency.jobId());
            if (zip == null) {
                return false;
            }
            out.write(zip);
            return true;
        }

        @Override
        public String upload(JobPlan.ArtifactRule rule, String filename, Path archive) throws IOException {
            uploaded.put(filename, Files.readAllBytes(archive));
            return null;
        }
    }

    /** A zip as GitLab's archiver writes it, with unix modes: files named *.sh are executable. */
    static byte[] zip(Map<String, String> files) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (var zip = new org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream(bytes)) {
            for (Map.Entry<String, String> file : files.entrySet()) {
                var entry = new org.apache.commons.compress.archivers.zip.ZipArchiveEntry(file.getKey());
                entry.setUnixMode(file.getKey().endsWith(".sh") ? 0755 : 0644);
                zip.putArchiveEntry(entry);
                zip.write(file.getValue().getBytes(StandardCharsets.UTF_8));
                zip.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    static Map<String, String> entries(byte[] zip) throws IOException {
        assertThat(zip).as("an archive was produced").isNotNull();
        Map<String, String> entries = new java.util.TreeMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                entries.put(entry.getName(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        return entries;
    }
}
