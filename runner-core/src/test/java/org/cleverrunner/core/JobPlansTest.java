package org.cleverrunner.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import org.cleverrunner.coordinator.payload.ArtifactSpec;
import org.cleverrunner.coordinator.payload.CacheSpec;
import org.cleverrunner.coordinator.payload.ExecutorOptions;
import org.cleverrunner.coordinator.payload.JobImage;
import org.cleverrunner.coordinator.payload.JobPayload;
import org.cleverrunner.coordinator.payload.JobService;
import org.cleverrunner.coordinator.payload.JobVariable;
import org.cleverrunner.coordinator.payload.PayloadJson;
import org.cleverrunner.coordinator.payload.RegistryCredential;
import org.cleverrunner.spi.JobPlan;
import org.cleverrunner.testkit.FakeCoordinator;
import org.cleverrunner.testkit.JobBuilder;
import org.cleverrunner.testkit.JobHandle;
import org.cleverrunner.testkit.Jobs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class JobPlansTest {

    static FakeCoordinator fake;

    @BeforeAll
    static void start() {
        fake = FakeCoordinator.builder().start();
    }

    @AfterAll
    static void stop() {
        fake.close();
    }

    /** The payload exactly as the fake builds it for a runner, without going over HTTP. */
    static JobPayload payload(JobBuilder builder) {
        JobHandle handle = fake.enqueue(builder);
        return fake.job(handle.id()).payload();
    }

    static JobPayload sample(String name) throws IOException {
        try (InputStream in = JobPlansTest.class.getResourceAsStream("/payloads/" + name)) {
            return PayloadJson.parseJob(in.readAllBytes());
        }
    }

    @Test
    void railsSamplePayloadMapsEveryField() throws IOException {
        JobPayload job = sample("rails-job-full.json");
        JobPlans.Result result = JobPlans.fromPayload(job, "r-abc123");
        JobPlan plan = result.plan();

        assertThat(result.warnings()).isEmpty();
        assertThat(plan.runnerId()).isEqualTo("r-abc123");
        assertThat(plan.jobId()).isEqualTo(10);
        assertThat(plan.jobName()).isEqualTo("spinach");
        assertThat(plan.projectPath()).isEqualTo("group/test-project");
        assertThat(plan.image()).isEqualTo(new JobPlan.ImageSpec("image:1.0", List.of("/bin/sh"), List.of(), "1000",
                "linux/amd64"));
        assertThat(plan.services()).containsExactly(
                new JobPlan.ServiceSpec("docker:stable-dind", List.of("docker"), List.of("/bin/sh"),
                        List.of("sleep", "30"), List.of(), List.of()),
                new JobPlan.ServiceSpec("mysql:latest", List.of(), List.of(), List.of(),
                        List.of(JobPlan.Variable.of("MYSQL_ROOT_PASSWORD", "root123.")), List.of("if-not-present")));
        assertThat(plan.variables()).containsExactly(
                new JobPlan.Variable("CI_JOB_NAME", "spinach", false, false, false),
                new JobPlan.Variable("SECRET", "s3cr3tValue", true, false, false),
                new JobPlan.Variable("KUBECONFIG", "apiVersion: v1", false, true, false),
                new JobPlan.Variable("LITERAL", "$NOT_EXPANDED", false, false, true));
        JobPlan.SourceSpec sources = plan.sources();
        assertThat(sources.vcs()).isEqualTo("git");
        assertThat(sources.repoUrl().reveal())
                .isEqualTo("https://gitlab-ci-token:glcbt-64_abcdefghijklmnopqrst@gitlab.example.com/group/test-project.git");
        assertThat(sources.repoUrl().toString()).isEqualTo("[MASKED]");
        assertThat(sources.revision()).isEqualTo("265c14cf140a66cfc61e40e4ab45c95ba8df5ed1");
        assertThat(sources.ref()).isEqualTo("master");
        assertThat(sources.refType()).isEqualTo("branch");
        assertThat(sources.refspecs()).containsExactly("+refs/pipelines/7:refs/pipelines/7",
                "+refs/heads/master:refs/remotes/origin/master");
        assertThat(sources.depth()).isEqualTo(20);
        assertThat(plan.script()).containsExactly("echo");
        assertThat(plan.afterScript()).containsExactly("ls", "date");
        assertThat(plan.timeout()).isEqualTo(Duration.ofHours(1));
        assertThat(plan.afterScriptTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(plan.caches()).containsExactly(new JobPlan.CacheRule("cache_key-protected", List.of("vendor/*"),
                false, "pull-push", "on_success", List.of()));
        assertThat(plan.artifacts()).containsExactly(
                new JobPlan.ArtifactRule("artifacts_file", List.of("out/"), List.of(), false, "always", "7d",
                        "archive", "zip"),
                new JobPlan.ArtifactRule("junit", List.of("rspec.xml"), List.of(), false, "always", null, "junit",
                        "gzip"));
        assertThat(plan.dependencies()).containsExactly(new JobPlan.DependencySpec(9, "build", "artifacts.zip"),
                new JobPlan.DependencySpec(8, "lint", null));
        assertThat(plan.registryAuths()).hasSize(1);
        JobPlan.RegistryAuth auth = plan.registryAuths().get(0);
        assertThat(auth.registry()).isEqualTo("registry.example.com");
        assertThat(auth.username()).isEqualTo("gitlab-ci-token");
        assertThat(auth.password().reveal()).isEqualTo("glcbt-64_abcdefghijklmnopqrst");
    }

    @Test
    void testkitPayloadMapsEveryField() {
        JobPayload job = payload(Jobs.job("build")
                .project(42, "team/app")
                .image(new JobImage("registry.local/$IMAGE_NAME:${IMAGE_TAG}", List.of("/bin/sh", "-c"), null, null,
                        new ExecutorOptions(new ExecutorOptions.Docker("linux/arm64", "app")), List.of("always")))
                .service(new JobService("postgres:${PG_VERSION}", List.of("docker-entrypoint.sh"),
                        List.of("postgres", "-c", "fsync=off"), "db, pg", null,
                        List.of(new JobService.ServiceVariable("POSTGRES_DB", "${DB_NAME}_test")), null,
                        List.of("if-not-present")))
                .variable("IMAGE_NAME", "builder")
                .variable("IMAGE_TAG", "1.2")
                .variable("PG_VERSION", "16")
                .variable("DB_NAME", "app")
                .maskedVariable("API_KEY", "k3y-$DB_NAME")
                .fileVariable("CONFIG", "url=$CI_SERVER_URL")
                .rawVariable("RAW", "$DB_NAME and ${DB_NAME}")
                .variable("PRICE", "$$5 for $DB_NAME")
                .variable("RUNNER_AFTER_SCRIPT_TIMEOUT", "1h30m")
                .script("make", "make test")
                .afterScript("echo done")
                .timeout(Duration.ofMinutes(20))
                .cache(new CacheSpec("deps-$DB_NAME", true, List.of("vendor/$DB_NAME"), "pull", "always",
                        List.of("fallback-$DB_NAME")))
                .artifact(new ArtifactSpec("bin-$DB_NAME", true, List.of("bin/"), List.of("bin/*.o"), "on_failure",
                        "3 days", null, null))
                .credential(new RegistryCredential("registry", "registry.local", "gitlab-ci-token", "pw"))
                .credential(new RegistryCredential("other", "x.local", "u", "p"))
                .tagRef("v1.2")
                .depth(5));
        JobPlans.Result result = JobPlans.fromPayload(job, "r1");
        JobPlan plan = result.plan();

        assertThat(result.warnings()).isEmpty();
        assertThat(plan.jobId()).isEqualTo(job.id());
        assertThat(plan.jobName()).isEqualTo("build");
        assertThat(plan.projectPath()).isEqualTo("team/app");
        assertThat(plan.image()).isEqualTo(new JobPlan.ImageSpec("registry.local/builder:1.2",
                List.of("/bin/sh", "-c"), List.of("always"), "app", "linux/arm64"));
        assertThat(plan.services()).containsExactly(new JobPlan.ServiceSpec("postgres:16", List.of("db", "pg"),
                List.of("docker-entrypoint.sh"), List.of("postgres", "-c", "fsync=off"),
                List.of(JobPlan.Variable.of("POSTGRES_DB", "app_test")), List.of("if-not-present")));
        assertThat(plan.variable("API_KEY")).contains("k3y-app");
        assertThat(plan.variables()).filteredOn(v -> v.key().equals("API_KEY")).singleElement()
                .satisfies(v -> assertThat(v.masked()).isTrue());
        assertThat(plan.variables()).filteredOn(v -> v.key().equals("CONFIG")).singleElement()
                .satisfies(v -> {
                    assertThat(v.file()).isTrue();
                    assertThat(v.value()).isEqualTo("url=" + fake.serverUrl());
                });
        assertThat(plan.variables()).filteredOn(v -> v.key().equals("RAW")).singleElement()
                .satisfies(v -> {
                    assertThat(v.raw()).isTrue();
                    assertThat(v.value()).isEqualTo("$DB_NAME and ${DB_NAME}");
                });
        assertThat(plan.variable("PRICE")).contains("$5 for app");
        // order as sent: the predefined variables first, then the project's
        assertThat(plan.variables().get(0).key()).isEqualTo("CI_PIPELINE_ID");
        assertThat(plan.variables()).extracting(JobPlan.Variable::key).endsWith("RAW", "PRICE",
                "RUNNER_AFTER_SCRIPT_TIMEOUT");
        assertThat(plan.variable("CI_JOB_TOKEN")).contains(job.token());

        assertThat(plan.sources().vcs()).isEqualTo("git");
        assertThat(plan.sources().revision()).isEqualTo(job.gitInfo().sha());
        assertThat(plan.sources().ref()).isEqualTo("v1.2");
        assertThat(plan.sources().refType()).isEqualTo("tag");
        assertThat(plan.sources().refspecs()).contains("+refs/tags/v1.2:refs/tags/v1.2");
        assertThat(plan.sources().depth()).isEqualTo(5);
        assertThat(plan.sources().repoUrl().reveal()).contains(job.token()).endsWith("/team/app.git");
        assertThat(plan.script()).containsExactly("make", "make test");
        assertThat(plan.afterScript()).containsExactly("echo done");
        assertThat(plan.timeout()).isEqualTo(Duration.ofMinutes(20));
        assertThat(plan.afterScriptTimeout()).isEqualTo(Duration.ofMinutes(90));
        assertThat(plan.caches()).containsExactly(new JobPlan.CacheRule("deps-app", List.of("vendor/app"), true,
                "pull", "always", List.of("fallback-app")));
        assertThat(plan.artifacts()).containsExactly(new JobPlan.ArtifactRule("bin-app", List.of("bin/"),
                List.of("bin/*.o"), true, "on_failure", "3 days", "archive", "zip"));
        assertThat(plan.registryAuths()).singleElement().satisfies(a -> {
            assertThat(a.registry()).isEqualTo("registry.local");
            assertThat(a.password().reveal()).isEqualTo("pw");
        });
    }

    @Test
    void laterDefinitionsWinAndReferencesAreOneLevel() {
        JobPayload job = payload(Jobs.job("vars")
                .variable("A", "first")
                .variable("B", "[$A]")
                .variable("A", "second")
                .variable("C", "<$B>"));
        JobPlan plan = JobPlans.fromPayload(job, "r1").plan();
        assertThat(plan.variable("A")).contains("second");
        assertThat(plan.variable("B")).contains("[second]");
        // GitLab Runner expands once: C sees B's value as sent
        assertThat(plan.variable("C")).contains("<[$A]>");
    }

    @Test
    void mercurialJobMapsVcsAndRevision() {
        String changeset = "0123456789abcdef0123456789abcdef01234567";
        JobPayload job = payload(Jobs.job("hg").mercurial(changeset).ref("branch/default"));
        JobPlan.SourceSpec sources = JobPlans.fromPayload(job, "r1").plan().sources();
        assertThat(sources.vcs()).isEqualTo("hg");
        assertThat(sources.revision()).isEqualTo(changeset).isNotEqualTo(job.gitInfo().sha());
        assertThat(sources.ref()).isEqualTo("branch/default");
    }

    @Test
    void keysGitLabAllowsButNoShellDoesAreDroppedWithAWarningThatShowsNoValue() {
        JobPayload job = payload(Jobs.job("bad").image("alpine:3")
                .variable(JobVariable.masked("9LIVES", "very-secret-value"))
                .variable("GOOD", "ok"));
        JobPlans.Result result = JobPlans.fromPayload(job, "r1");
        assertThat(result.plan().variables()).extracting(JobPlan.Variable::key)
                .contains("GOOD").doesNotContain("9LIVES");
        assertThat(result.warnings()).singleElement().asString().contains("'9LIVES'").contains("dropped")
                .doesNotContain("very-secret-value");
    }

    @Test
    void defaultsWhenTheJobSaysLittle() {
        JobPayload job = payload(Jobs.job("bare").variable("RUNNER_AFTER_SCRIPT_TIMEOUT", "soon"));
        JobPlans.Result result = JobPlans.fromPayload(job, "r1", "busybox:latest");
        assertThat(result.plan().image().name()).isEqualTo("busybox:latest");
        assertThat(result.plan().afterScriptTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(result.plan().afterScript()).isEmpty();
        assertThat(result.warnings()).hasSize(2);
        assertThat(result.warnings()).anySatisfy(w -> assertThat(w).contains("no image").contains("busybox:latest"));
        assertThat(result.warnings()).anySatisfy(w -> assertThat(w).contains("RUNNER_AFTER_SCRIPT_TIMEOUT"));
    }

    @Test
    void dependenciesCarryTheArtifactsFilenameWhenTheCoordinatorHasOne() {
        JobPayload job = new JobPayload(5, "glcbt-x", true, null, null, null, List.of(),
                List.of(new org.cleverrunner.coordinator.payload.JobStep("script", List.of("true"), 60, "on_success",
                        false)), List.of(),
                JobImage.of("alpine"), List.of(), List.of(), List.of(), List.of(),
                List.of(new org.cleverrunner.coordinator.payload.JobDependency(3, "build", "glcbt-x",
                        new org.cleverrunner.coordinator.payload.JobDependency.ArtifactsFile("artifacts.zip", 10))),
                null);
        JobPlan plan = JobPlans.fromPayload(job, "r1").plan();
        assertThat(plan.dependencies()).containsExactly(new JobPlan.DependencySpec(3, "build", "artifacts.zip"));
        assertThat(plan.timeout()).isEqualTo(Duration.ofHours(1));
        assertThat(plan.projectPath()).isEqualTo("project-5");
        assertThat(plan.sources()).isNull();
        assertThat(plan.variables()).isEmpty();
    }

    static CacheSpec cache(String key, List<String> fallbackKeys) {
        return new CacheSpec(key, false, List.of("vendor/"), "pull-push", "on_success", fallbackKeys);
    }

    @Test
    void cacheKeysAreSanitizedAsGitlabRunnerDoesAndTheirRestoreOrderIsKeyFallbacksThenTheVariable() {
        JobPayload job = payload(Jobs.job("rspec 1/2").image("alpine:3").project(42, "team/app").ref("feature/x")
                .variable("TARGET", "other")
                .variable("CACHE_FALLBACK_KEY", "main\\shared-non_protected")
                // %2F..%2F climbs no higher than the project, backslashes are separators, trailing spaces go
                .cache(cache("0_deps%2F..%2F..%2F$TARGET\\gems-non_protected   ",
                        List.of("main\\deps-non_protected", " / ", "$UNSET", "plain-non_protected")))
                // nothing left: skipped, neither restored nor saved
                .cache(cache("%2e%2E/ \\", List.of("never-used")))
                // no key: gitlab-runner's default, the job's name and ref
                .cache(cache("", List.of()))
                // trimming comes after cleaning: "deps/.." is left, which is the project's directory itself
                .cache(cache("deps/.. ", List.of())));
        JobPlans.Result result = JobPlans.fromPayload(job, "r1");

        assertThat(result.plan().caches()).containsExactly(
                new JobPlan.CacheRule("other/gems-non_protected", List.of("vendor/"), false, "pull-push",
                        "on_success", List.of("main/deps-non_protected", "plain-non_protected",
                                "main/shared-non_protected")),
                new JobPlan.CacheRule("rspec 1/2/feature/x", List.of("vendor/"), false, "pull-push", "on_success",
                        List.of("main/shared-non_protected")));
        assertThat(result.warnings()).containsExactly(
                "cache key 'main\\shared-non_protected' sanitized to 'main/shared-non_protected'",
                "cache key '0_deps%2F..%2F..%2Fother\\gems-non_protected   ' sanitized to 'other/gems-non_protected'",
                "cache key 'main\\deps-non_protected' sanitized to 'main/deps-non_protected'",
                "cache key ' / ' could not be sanitized: this fallback key of cache[0] is not used",
                "cache key '%2e%2E/ \\' could not be sanitized: cache[1] is neither restored nor saved",
                "cache key 'deps/.. ' resolves outside of the project's caches: cache[3] is neither restored nor"
                        + " saved");
    }

    @Test
    void cacheFallbackKeyOfAProtectedRefIsRefusedAfterSanitizing() {
        // gitlab-runner: "using reserved suffix", "using trailing dot suffix"; a trailing space is trimmed first
        for (String value : List.of("main-protected", "main-protected.", "main-protected  ")) {
            JobPlans.Result result = JobPlans.fromPayload(payload(Jobs.job("test").image("alpine:3")
                    .variable("CACHE_FALLBACK_KEY", value).cache(cache("key-non_protected", List.of()))), "r1");
            assertThat(result.plan().caches()).singleElement().as(value)
                    .satisfies(c -> assertThat(c.fallbackKeys()).isEmpty());
            assertThat(result.warnings()).as(value).last().asString()
                    .startsWith("CACHE_FALLBACK_KEY 'main-protected").endsWith("is not allowed to end in '-protected':"
                            + " it is not used");
        }
        // gitlab-runner checks "main-protected/." (its sanitiser leaves the dot) and lets it through, although its
        // object is main-protected's; the check here is on the object's key
        JobPlans.Result dotted = JobPlans.fromPayload(payload(Jobs.job("test").image("alpine:3")
                .variable("CACHE_FALLBACK_KEY", "main-protected/. ").cache(cache("key-non_protected", List.of()))),
                "r1");
        assertThat(dotted.plan().caches().get(0).fallbackKeys()).isEmpty();
        assertThat(dotted.warnings()).containsExactly("cache key 'main-protected/. ' sanitized to 'main-protected'",
                "CACHE_FALLBACK_KEY 'main-protected' is not allowed to end in '-protected': it is not used");
        // a job without caches has nothing to say about the variable
        assertThat(JobPlans.fromPayload(payload(Jobs.job("test").image("alpine:3")
                .variable("CACHE_FALLBACK_KEY", "main-protected")), "r1").warnings()).isEmpty();
    }

    @Test
    void aCleanKeyGivesNoWarningAndAKeyThatExpandsToNothingIsSkipped() {
        JobPlans.Result result = JobPlans.fromPayload(payload(Jobs.job("test").image("alpine:3")
                .cache(cache("0_gems-non_protected", List.of("fallback-non_protected")))
                .cache(cache("$UNSET", List.of()))), "r1");
        assertThat(result.plan().caches()).singleElement().satisfies(c -> {
            assertThat(c.key()).isEqualTo("0_gems-non_protected");
            assertThat(c.fallbackKeys()).containsExactly("fallback-non_protected");
        });
        // as gitlab-runner: a key that was sent but expands to nothing does not fall back to the default key
        assertThat(result.warnings()).containsExactly("empty cache key: cache[1] is neither restored nor saved");
    }
}
