package org.cleverrunner.docker;

import static org.assertj.core.api.Assertions.assertThat;




import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.dockerjava.api.DockerClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.cleverrunner.coordinator.payload.CacheSpec;
import org.cleverrunner.coordinator.payload.ExecutorOptions;
import org.cleverrunner.coordinator.payload.JobImage;
import org.cleverrunner.coordinator.payload.JobService;
import org.cleverrunner.core.Engine;
import org.cleverrunner.core.EngineSettings;
import org.cleverrunner.core.RunnerSettings;
import org.cleverrunner.docker.internal.Names;
import org.cleverrunner.spi.Secret;
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
 * Hostile and broken payloads from the fake GitLab, through the real engine, the local-docker provisioner and the
 * Docker executor: each fails with a line naming its problem, nothing is left on the Docker Engine, no command
 * planted in a payload runs on the host (they would all write into {@code trap}), and an ordinary job still
 * succeeds afterwards.
 */
class HostilePayloadsIT {

    static final String BUSYBOX = TestDockerEngine.BUSYBOX;

    @TempDir
    Path dir;
    @TempDir
    Path trap;
    FakeCoordinator gitlab;
    RunnerHandle runner;
    Engine engine;
    DockerClient docker;

    record Hostile(String what, JobBuilder job, String line) {
    }

    @BeforeEach
    void start() {
        docker = TestDockerEngine.connect();
        gitlab = FakeCoordinator.builder().firstJobId(9300).longPollTimeout(Duration.ofSeconds(2))
                .traceUpdateInterval(Duration.ofMillis(300)).start();
        runner = gitlab.addRunner("glrt-hostilepayloads1", Set.of(), true);
        RunnerSettings settings = new RunnerSettings("hostile", gitlab.url(), Secret.of(runner.token()), 0, 1, null,
                null, null, null, null, BUSYBOX, 0);
        engine = Engine.builder()
                .settings(new EngineSettings(2, Duration.ofMillis(200), Duration.ofSeconds(30),
                        dir.resolve("journal.json"), List.of(settings)))
                .traceInterval(Duration.ofMillis(300)).version("it").build();
    }

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.shutdown();
        }
        gitlab.close();
        TestDockerEngine.closeQuietly(docker);
    }

    static JobBuilder job(String name) {
        return Jobs.job(name).image(BUSYBOX).variable("GIT_STRATEGY", "none").script("echo should never run");
    }

    List<Hostile> hostiles() {
        String t = trap.toString();
        String huge = "x".repeat(1024 * 1024);
        JobBuilder thousands = job("thousands of variables");
        for (int i = 0; i < 5000; i++) {
            thousands.variable("VAR_" + i, "v".repeat(300));
        }
        List<Hostile> cases = new ArrayList<>(List.of(
                new Hostile("image with ;", job("img-semicolon").image(BUSYBOX + ";touch " + t + "/img1"),
                        "image name 'clever-runner/busybox:latest;touch"),
                new Hostile("image with $()", job("img-subst").image("$(touch " + t + "/img2)"),
                        "image name '$(touch"),
                new Hostile("image with backticks", job("img-backtick").image("`touch " + t + "/img3`"),
                        "image name '`touch"),
                new Hostile("image with ..", job("img-dots").image("../../etc/passwd"),
                        "image name '../../etc/passwd' is not a valid image reference"),
                new Hostile("image with a newline", job("img-newline").image("busybox\n:latest"),
                        "image name 'busybox\\u000a:latest'"),
                new Hostile("image with unicode", job("img-unicode").image("bùsybox:latest"),
                        "image name 'bùsybox:latest' is not a valid image reference"),
                new Hostile("service with |", job("svc-pipe").service("busybox|nc -l -p 1"),
                        "services[0] name 'busybox|nc -l -p 1'"),
                new Hostile("alias with ;", job("alias-semicolon").service(BUSYBOX, "db;touch"),
                        "services[0] alias 'db;touch' is not a valid host name"),
                new Hostile("alias with $()", job("alias-subst").service(BUSYBOX, "$(id)"),
                        "services[0] alias '$(id)'"),
                new Hostile("alias with unicode", job("alias-unicode").service(BUSYBOX, "bäse"),
                        "services[0] alias 'bäse'"),
                new Hostile("project path with ..", job("path-dots").project(1, "group/../../etc"),
                        "project path (job_info.project_full_path) 'group/../../etc'"),
                new Hostile("absolute project path", job("path-absolute").project(1, "/etc/cron.d"),
                        "project path (job_info.project_full_path) '/etc/cron.d'"),
                new Hostile("project path with a newline", job("path-newline").project(1, "group/pro\nject"),
                        "'group/pro\\u000aject'"),
                new Hostile("file:// repository", job("url-file").repoUrl("file:///etc"),
                        "repository URL (git_info.repo_url) must be http or https, not 'file'"),
                new Hostile("ext:: repository", job("url-ext").repoUrl("ext::sh -c touch% " + t + "/ext"),
                        "must be http or https, not 'ext'"),
                new Hostile("ssh repository", job("url-ssh").repoUrl("ssh://git@127.0.0.1/x.git"),
                        "must be http or https, not 'ssh'"),
                new Hostile("refspec starting with -", job("refspec-option")
                        .refspecs("--upload-pack=touch " + t + "/refspec"), "refspecs: '--upload-pack=touch"),
                new Hostile("refspec with a space", job("refspec-space").refspecs("+refs/heads/a b:refs/x"),
                        "refspecs: '+refs/heads/a b:refs/x' must not"),
                new Hostile("symbolic revision", job("sha-head").sha("HEAD"),
                        "git_info.sha 'HEAD' is not a full commit id"),
                new Hostile("revision that is an option", job("sha-option").sha("--output=" + t + "/sha"),
                        "git_info.sha '--output="),
                new Hostile("ref that is an option", job("ref-option").ref("--orphan"),
                        "git_info.ref '--orphan' must not start with '-'"),
                new Hostile("negative depth", job("depth").depth(-1), "git_info.depth is -1"),
                new Hostile("1 MiB variable", job("huge variable").variable("HUGE", huge),
                        "variable HUGE is 1 MiB (1048576 bytes): a variable in the environment is limited to 128 KiB"),
                new Hostile("5000 variables", thousands, "variables take 1.5 MiB"),
                new Hostile("key with =", job("key-equals").variable("PATH=/tmp:", "x"),
                        "variable 'PATH=/tmp:' has an invalid key"),
                new Hostile("key with a newline", job("key-newline").variable("A\nLD_PRELOAD", "x"),
                        "variable 'A\\u000aLD_PRELOAD' has an invalid key"),
                new Hostile("empty key", job("key-empty").variable("", "x"), "variable '' has an invalid key"),
                new Hostile("unicode key", job("key-unicode").variable("CLÉ", "x"),
                        "variable 'CLÉ' has an invalid key"),
                new Hostile("NUL in a value", job("value-nul").variable("NUL", "a\u0000b"),
                        "variable NUL holds a NUL character"),
                new Hostile("service variable key with =", job("svc-key").service(BUSYBOX, null, null, null,
                        Map.of("X=Y", "z")), "services[0]'s variable 'X=Y' has an invalid key"),
                new Hostile("no steps", job("no-steps").edit(p -> p.remove("steps")), "the payload has no steps"),
                new Hostile("script: null", job("script-null")
                        .edit(p -> ((ObjectNode) p.get("steps").get(0)).putNull("script")),
                        "the 'script' step has no lines"),
                new Hostile("script: []", job("script-empty").script(), "the 'script' step has no lines"),
                new Hostile("only after_script", job("no-script-step").afterScript("echo after")
                        .edit(p -> ((ArrayNode) p.get("steps")).remove(0)), "the payload has no 'script' step"),
                new Hostile("negative timeout", job("timeout")
                        .edit(p -> ((ObjectNode) p.get("runner_info")).put("timeout", -300)),
                        "the job's timeout (runner_info.timeout) is -5m: it must be positive"),
                new Hostile("control characters in the job's name", job("build\u001b[2J\nERROR: Job succeeded"),
                        "job_info.name) 'build\\u001b[2J\\u000aERROR: Job succeeded' holds control characters"),
                new Hostile("control characters in the stage", job("stage").stage("te\rst"),
                        "job_info.stage) 'te\\u000dst' holds control characters"),
                new Hostile("unknown pull policy", job("pull-policy")
                        .image(new JobImage(BUSYBOX, null, null, null, null, List.of("sometimes"))),
                        "pull_policy 'sometimes' is not one of always, if-not-present, never"),
                new Hostile("docker user with ;", job("docker-user").image(new JobImage(BUSYBOX, null, null, null,
                        new ExecutorOptions(new ExecutorOptions.Docker(null, "root;touch")), null)),
                        "executor_opts.docker.user 'root;touch' is not a user[:group]"),
                // a key with ".." is sanitised as gitlab-runner does (JobPlansTest); one that writes to the terminal
                new Hostile("cache key with control characters", job("cache-key").cache(new CacheSpec(
                        "deps\u001b[2J\nERROR: x", false, List.of("vendor/"), "pull-push", "on_success", List.of())),
                        "cache[0] key 'deps\\u001b[2J\\u000aERROR: x' holds control characters"),
                new Hostile("unknown repo_type", job("repo-type")
                        .edit(p -> ((ObjectNode) p.get("git_info")).put("repo_type", "svn")),
                        "git_info.repo_type 'svn' is neither git nor hg"),
                new Hostile("service without a name", job("svc-no-name").service(JobService.of(BUSYBOX))
                        .edit(p -> ((ObjectNode) p.get("services").get(0)).putNull("name")),
                        "services[0] has no name")));
        return cases;
    }

    @Test
    void hostilePayloadsFailWithTheirReasonLeaveNothingAndTheRunnerStaysUp() throws IOException {
        List<Hostile> cases = hostiles();
        List<JobHandle> handles = new ArrayList<>();
        for (Hostile hostile : cases) {
            handles.add(gitlab.enqueue(hostile.job()));
        }
        engine.start();

        // every case is checked, and every case that is not refused as it should be is reported
        SoftAssertions softly = new SoftAssertions();
        for (int i = 0; i < cases.size(); i++) {
            Hostile hostile = cases.get(i);
            JobView view = gitlab.awaitJob(handles.get(i).id(), Duration.ofSeconds(60));
            String log = view.traceText();
            String what = hostile.what() + " (job " + handles.get(i).id() + ")";
            softly.assertThat(view.finalState()).as(what + ": state").isEqualTo(JobState.FAILED);
            softly.assertThat(view.failureReason()).as(what + ": failure reason")
                    .isEqualTo("runner_system_failure");
            softly.assertThat(log).as(what + ": log").contains(hostile.line()).contains("nothing was run")
                    .doesNotContain("should never run").doesNotContain(handles.get(i).token());
            softly.assertThat(view.reportedChecksum()).as(what + ": checksum").isEqualTo(view.traceChecksum());
        }

        // the runner is still up: an ordinary job runs in a container and succeeds
        JobHandle ordinary = gitlab.enqueue(Jobs.job("ordinary").image(BUSYBOX).variable("GIT_STRATEGY", "none")
                .script("echo ordinary job ran"));
        JobView view = gitlab.awaitJob(ordinary.id(), Duration.ofSeconds(120));
        softly.assertThat(view.finalState()).as(view.traceText()).isEqualTo(JobState.SUCCESS);
        softly.assertThat(view.traceText()).contains("ordinary job ran");
        softly.assertThat(engine.awaitIdle(Duration.ofSeconds(30))).isTrue();
        softly.assertThat(engine.isHealthy()).isTrue();

        // nothing ran on the host: every planted command would have written into the trap
        try (Stream<Path> planted = Files.list(trap)) {
            softly.assertThat(planted.toList()).as("files planted on the host").isEmpty();
        }
        // nothing is left on the Docker Engine for any of these jobs
        for (JobHandle handle : concat(handles, ordinary)) {
            Map<String, String> labels = Map.of(Names.LABEL_JOB, Long.toString(handle.id()));
            softly.assertThat(docker.listContainersCmd().withShowAll(true).withLabelFilter(labels).exec())
                    .as("containers of job " + handle.id()).isEmpty();
            List<String> label = List.of(Names.LABEL_JOB + "=" + handle.id());
            softly.assertThat(docker.listNetworksCmd().withFilter("label", label).exec())
                    .as("networks of job " + handle.id()).isEmpty();
            softly.assertThat(docker.listVolumesCmd().withFilter("label", label).exec().getVolumes())
                    .as("volumes of job " + handle.id()).isNullOrEmpty();
        }
        softly.assertThat(cases).hasSizeGreaterThanOrEqualTo(30);
        softly.assertAll();
    }

    private static List<JobHandle> concat(List<JobHandle> handles, JobHandle one) {
        List<JobHandle> all = new ArrayList<>(handles);
        all.add(one);
        return all;
    }
}
