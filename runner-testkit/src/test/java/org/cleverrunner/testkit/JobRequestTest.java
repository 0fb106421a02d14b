package org.cleverrunner.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cleverrunner.testkit.TestHttp.header;
import static org.cleverrunner.testkit.TestHttp.text;
import static org.cleverrunner.testkit.TestHttp.tree;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.cleverrunner.coordinator.payload.JobPayload;
import org.cleverrunner.coordinator.payload.JobStep;
import org.cleverrunner.coordinator.payload.PayloadJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class JobRequestTest {

    private FakeCoordinator fake;
    private TestHttp http;
    private RunnerHandle runner;

    @BeforeEach
    void start() {
        fake = FakeCoordinator.builder().longPollTimeout(Duration.ofSeconds(2)).start();
        http = new TestHttp(fake);
        runner = fake.addRunner("glrt-runner-one", Set.of("docker", "linux"), true);
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    @Test
    void noJobAnswers204WithLastUpdateAtOnce() {
        long t0 = System.nanoTime();
        HttpResponse<byte[]> response = http.requestJob(runner.token());
        assertThat(response.statusCode()).isEqualTo(204);
        assertThat(header(response, "X-GitLab-Last-Update")).isEqualTo(fake.queueVersion());
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(1500));
    }

    @Test
    void jobAvailableAnswers201WithRailsShapedPayload() {
        JobHandle build = fake.enqueue(Jobs.job("build").script("make"));
        JobHandle handle = fake.enqueue(Jobs.job("rspec").stage("test").script("echo hi", "ls")
                .afterScript("cleanup").image("ruby:3.3").service("postgres:16", "db")
                .variable("PLAIN", "v").maskedVariable("SECRET", "s3cr3tValue").fileVariable("KUBECONFIG", "cfg")
                .rawVariable("LITERAL", "$NOT_EXPANDED").artifacts("out/").cache("gems", "vendor/")
                .dependency(build).repoUrl("https://gitlab.example.com/group/project.git").sha("a".repeat(40)));
        fake.cancel(build.id());

        HttpResponse<byte[]> response = http.requestJob(runner.token());

        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(header(response, "Content-Type")).startsWith("application/json");
        assertThat(header(response, "X-GitLab-Last-Update")).isNull();
        JobPayload job = PayloadJson.parseJob(response.body());
        assertThat(job.id()).isEqualTo(handle.id());
        assertThat(job.token()).isEqualTo(handle.token()).startsWith("glcbt-");
        assertThat(job.jobInfo().name()).isEqualTo("rspec");
        assertThat(job.gitInfo().repoUrl())
                .isEqualTo("https://gitlab-ci-token:" + handle.token() + "@gitlab.example.com/group/project.git");
        assertThat(job.gitInfo().sha()).isEqualTo("a".repeat(40));
        assertThat(job.steps()).extracting(JobStep::name, JobStep::when, JobStep::allowFailure)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("script", "on_success", false),
                        org.assertj.core.groups.Tuple.tuple("after_script", "always", true));
        assertThat(job.steps().get(0).script()).containsExactly("echo hi", "ls");
        assertThat(job.variable("CI_JOB_ID")).contains(Long.toString(handle.id()));
        assertThat(job.variable("CI_SERVER_URL")).contains(fake.serverUrl());
        assertThat(job.variable("CI_COMMIT_SHA")).contains("a".repeat(40));
        assertThat(job.variables()).filteredOn(v -> v.key().equals("CI_JOB_TOKEN"))
                .singleElement().satisfies(v -> assertThat(v.masked()).isTrue());
        assertThat(job.variables()).filteredOn(v -> v.key().equals("KUBECONFIG"))
                .singleElement().satisfies(v -> assertThat(v.file()).isTrue());
        assertThat(job.features().traceSections()).isTrue();
        assertThat(job.features().failureReasons()).contains("script_failure", "runner_system_failure");
        assertThat(job.services()).singleElement().satisfies(s -> assertThat(s.alias()).isEqualTo("db"));
        assertThat(job.dependencies()).singleElement().satisfies(d -> {
            assertThat(d.id()).isEqualTo(build.id());
            assertThat(d.token()).isEqualTo(handle.token());
            assertThat(d.artifactsFile()).isNull();
        });

        // Rails omits file/raw when false.
        JsonNode variables = tree(response).get("variables");
        JsonNode plain = find(variables, "PLAIN");
        assertThat(plain.has("file")).isFalse();
        assertThat(plain.has("raw")).isFalse();
        assertThat(find(variables, "LITERAL").get("raw").asBoolean()).isTrue();
    }

    @Test
    void theCacheArrayHasGitLabsFieldNames() {
        fake.enqueue(Jobs.job("cached").cache("gems", "vendor/")
                .cache(new org.cleverrunner.coordinator.payload.CacheSpec("deps-1-protected", true,
                        java.util.List.of("node_modules/", ".npm/"), "pull", "always",
                        java.util.List.of("deps-main-protected", "deps-default"))));

        HttpResponse<byte[]> response = http.requestJob(runner.token());

        JsonNode cache = tree(response).get("cache");
        assertThat(cache).hasSize(2);
        assertThat(cache.get(0).get("key").asText()).isEqualTo("gems-non_protected");
        assertThat(cache.get(0).get("policy").asText()).isEqualTo("pull-push");
        JsonNode deps = cache.get(1);
        assertThat(java.util.List.copyOf(iterable(deps.fieldNames()))).containsExactlyInAnyOrder("key", "untracked",
                "paths", "policy", "when", "fallback_keys");
        assertThat(deps.get("key").asText()).isEqualTo("deps-1-protected");
        assertThat(deps.get("untracked").asBoolean()).isTrue();
        assertThat(deps.get("paths").toString()).isEqualTo("[\"node_modules/\",\".npm/\"]");
        assertThat(deps.get("policy").asText()).isEqualTo("pull");
        assertThat(deps.get("when").asText()).isEqualTo("always");
        assertThat(deps.get("fallback_keys").toString()).isEqualTo("[\"deps-main-protected\",\"deps-default\"]");
    }

    private static <T> java.util.List<T> iterable(java.util.Iterator<T> iterator) {
        java.util.List<T> list = new java.util.ArrayList<>();
        iterator.forEachRemaining(list::add);
        return list;
    }

    private static JsonNode find(JsonNode variables, String key) {
        for (JsonNode v : variables) {
            if (v.get("key").asText().equals(key)) {
                return v;
            }
        }
        throw new AssertionError("no variable " + key);
    }

    @Test
    void authenticationErrors() {
        HttpResponse<byte[]> unknown = http.requestJob("glrt-nope");
        assertThat(unknown.statusCode()).isEqualTo(403);
        assertThat(text(unknown)).isEqualTo("{\"message\":\"403 Forbidden\"}");

        assertThat(http.json("POST", "jobs/request", "{}").statusCode()).isEqualTo(400);
        assertThat(http.json("POST", "jobs/request", "{\"token\":\"" + runner.token() + "\"}",
                "RUNNER-TOKEN", "glrt-other").statusCode()).isEqualTo(400);
        assertThat(http.json("POST", "jobs/request", "{\"token\":\"" + runner.token() + "\"}").statusCode())
                .isEqualTo(204);
    }

    @Test
    void longPollReturnsPromptlyWhenAJobIsEnqueued() throws Exception {
        String lastUpdate = header(http.requestJob(runner.token()), "X-GitLab-Last-Update");
        FakeCoordinator slow = FakeCoordinator.builder().longPollTimeout(Duration.ofSeconds(10)).start();
        try {
            TestHttp slowHttp = new TestHttp(slow);
            RunnerHandle r = slow.addRunner(Set.of(), true);
            long t0 = System.nanoTime();
            CompletableFuture<HttpResponse<byte[]>> poll =
                    CompletableFuture.supplyAsync(() -> slowHttp.requestJob(r.token(), lastUpdate));
            Thread.sleep(300);
            assertThat(poll).isNotDone();
            JobHandle job = slow.enqueue(Jobs.job("late"));
            HttpResponse<byte[]> response = poll.get(5, TimeUnit.SECONDS);
            Duration elapsed = Duration.ofNanos(System.nanoTime() - t0);
            assertThat(response.statusCode()).isEqualTo(201);
            assertThat(PayloadJson.parseJob(response.body()).id()).isEqualTo(job.id());
            assertThat(elapsed).isLessThan(Duration.ofSeconds(2));
        } finally {
            slow.close();
        }
    }

    @Test
    void longPollTimesOutWith204WithoutLastUpdate() {
        long t0 = System.nanoTime();
        HttpResponse<byte[]> response = http.requestJob(runner.token(), "1");
        Duration elapsed = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(response.statusCode()).isEqualTo(204);
        assertThat(header(response, "X-GitLab-Last-Update")).isNull();
        assertThat(elapsed).isBetween(Duration.ofMillis(1800), Duration.ofSeconds(5));
    }

    @Test
    void longPollsDoNotBlockOtherCalls() throws Exception {
        var pool = java.util.concurrent.Executors.newFixedThreadPool(30);
        try {
            var polls = new java.util.ArrayList<CompletableFuture<HttpResponse<byte[]>>>();
            for (int i = 0; i < 30; i++) {
                polls.add(CompletableFuture.supplyAsync(() -> http.requestJob(runner.token(), "1"), pool));
            }
            Thread.sleep(300);
            long t0 = System.nanoTime();
            assertThat(http.requestJob(runner.token()).statusCode()).isEqualTo(204);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(1000));
            JobHandle job = fake.enqueue(Jobs.job("one-for-thirty"));
            int handedOut = 0;
            for (var poll : polls) {
                HttpResponse<byte[]> response = poll.get(10, TimeUnit.SECONDS);
                assertThat(response.statusCode()).isIn(201, 204);
                if (response.statusCode() == 201) {
                    handedOut++;
                    assertThat(PayloadJson.parseJob(response.body()).id()).isEqualTo(job.id());
                }
            }
            assertThat(handedOut).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void tagsAndRunUntaggedDecideWhoGetsAJob() {
        RunnerHandle tagless = fake.addRunner(Set.of(), true);
        RunnerHandle strict = fake.addRunner(Set.of("docker"), false);

        JobHandle tagged = fake.enqueue(Jobs.job("tagged").tags("docker", "linux"));
        assertThat(http.requestJob(tagless.token()).statusCode()).isEqualTo(204);
        assertThat(http.requestJob(strict.token()).statusCode()).isEqualTo(204);
        HttpResponse<byte[]> got = http.requestJob(runner.token());
        assertThat(got.statusCode()).isEqualTo(201);
        assertThat(PayloadJson.parseJob(got.body()).id()).isEqualTo(tagged.id());
        assertThat(fake.job(tagged.id()).runnerId()).isEqualTo(runner.id());

        JobHandle untagged = fake.enqueue(Jobs.job("untagged"));
        assertThat(http.requestJob(strict.token()).statusCode()).isEqualTo(204);
        HttpResponse<byte[]> got2 = http.requestJob(tagless.token());
        assertThat(got2.statusCode()).isEqualTo(201);
        assertThat(PayloadJson.parseJob(got2.body()).id()).isEqualTo(untagged.id());

        JobHandle dockerOnly = fake.enqueue(Jobs.job("docker-only").tags("docker"));
        assertThat(http.requestJob(tagless.token()).statusCode()).isEqualTo(204);
        assertThat(PayloadJson.parseJob(http.requestJob(strict.token()).body()).id()).isEqualTo(dockerOnly.id());
    }

    @Test
    void twoPhaseCommitKeepsTheJobPendingUntilRunning() {
        JobHandle job = fake.enqueue(Jobs.job("two-phase"));
        assertThat(http.requestJob(runner.token()).statusCode()).isEqualTo(201);
        assertThat(fake.job(job.id()).state()).isEqualTo(JobState.PENDING);
        assertThat(fake.job(job.id()).runnerId()).isEqualTo(runner.id());

        RunnerHandle other = fake.addRunner(Set.of("docker", "linux"), true);
        assertThat(http.requestJob(other.token()).statusCode()).isEqualTo(204);
        assertThat(http.requestJob(runner.token()).statusCode()).isEqualTo(204);

        HttpResponse<byte[]> keepAlive = http.updateJob(job, "pending", "");
        assertThat(keepAlive.statusCode()).isEqualTo(200);
        assertThat(header(keepAlive, "Job-Status")).isEqualTo("pending");

        HttpResponse<byte[]> running = http.updateJob(job, "running", "");
        assertThat(running.statusCode()).isEqualTo(200);
        assertThat(text(running)).isEqualTo("200");
        assertThat(header(running, "Job-Status")).isEqualTo("running");
        assertThat(fake.job(job.id()).state()).isEqualTo(JobState.RUNNING);
        assertThat(http.requestJob(other.token()).statusCode()).isEqualTo(204);
    }

    @Test
    void jobsAreHandedOutInFifoOrderAcrossConcurrentRunners() throws Exception {
        int count = 40;
        var handles = new java.util.ArrayList<JobHandle>();
        for (int i = 0; i < count; i++) {
            handles.add(fake.enqueue(Jobs.job("j" + i)));
        }
        var received = java.util.concurrent.ConcurrentHashMap.<Long>newKeySet();
        var futures = new java.util.ArrayList<CompletableFuture<Void>>();
        for (int r = 0; r < 8; r++) {
            RunnerHandle runnerN = fake.addRunner(Set.of(), true);
            futures.add(CompletableFuture.runAsync(() -> {
                while (true) {
                    HttpResponse<byte[]> resp = http.requestJob(runnerN.token());
                    if (resp.statusCode() != 201) {
                        return;
                    }
                    assertThat(received.add(PayloadJson.parseJob(resp.body()).id())).isTrue();
                }
            }));
        }
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
        assertThat(received).hasSize(count);
    }
}
