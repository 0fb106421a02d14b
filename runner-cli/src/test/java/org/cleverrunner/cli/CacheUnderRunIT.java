package org.cleverrunner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.cleverrunner.coordinator.payload.CacheSpec;
import org.cleverrunner.testkit.FakeCoordinator;
import org.cleverrunner.testkit.JobBuilder;
import org.cleverrunner.testkit.JobHandle;
import org.cleverrunner.testkit.JobState;
import org.cleverrunner.testkit.JobView;
import org.cleverrunner.testkit.Jobs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job cache under the CLI's {@code run}, as a separate process from the runnable jar, against the fake GitLab
 * over HTTP and the real Docker Engine: a cache one job writes is restored by the next job of the same project with
 * the same key, never by another project's; it lives on this host, under {@code runner/<short token>/project/<id>/}.
 */
class CacheUnderRunIT {

    static final String IMAGE = RunCommandIT.IMAGE;
    static final SecureRandom RANDOM = new SecureRandom();

    @TempDir
    Path dir;
    /** A runner token of this test's own: container names and cache directories derive from it. */
    final String token = "glrt-kc" + hex(3) + "z" + hex(8);
    /** The short token as gitlab-runner ≥ 18.2 computes it: without glrt-, the first 9 characters. */
    final String shortToken = token.substring(5, 14);
    /** The cache key as Rails sends it (suffixed), unique to this test. */
    final String key = "deps-" + hex(3) + "-non_protected";
    FakeCoordinator gitlab;
    Process process;

    @BeforeEach
    void start() {
        gitlab = FakeCoordinator.builder().firstJobId(880_000 + RANDOM.nextInt(100_000))
                .longPollTimeout(Duration.ofSeconds(5)).traceUpdateInterval(Duration.ofSeconds(1)).start();
        gitlab.addRunner(token, Set.of(), true);
    }

    @AfterEach
    void stop() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        gitlab.close();
    }

    @Test
    void aCacheIsRestoredByTheNextJobOfTheSameProjectAndKeyOnly() throws Exception {
        process = startRunner(config(1, ""));

        JobView first = run(job("write", 4101, "mkdir -p cache", "echo cached-by-job-1 > cache/a.txt"));
        assertThat(first.traceText()).contains("Created cache ", ": 1 file(s), ");

        JobView second = run(job("read", 4101, "cat cache/a.txt"));
        assertThat(second.traceText()).contains("Successfully extracted cache", "cached-by-job-1")
                .doesNotContain("No cache found");

        JobView other = run(jobWithPolicy("other-project", 4102, "pull", "cat cache/a.txt 2>/dev/null || echo NO-CACHE-HERE"));
        assertThat(other.traceText()).contains("No cache found for " + key, "NO-CACHE-HERE")
                .doesNotContain("cached-by-job-1");

        // the default place: cache/ beside the config and the journal, owner only
        Path root = dir.resolve("cache");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root))).isEqualTo("rwx------");
        assertThat(root.resolve("runner").resolve(shortToken).resolve("project").resolve("4101").resolve(key)
                .resolve("cache.zip")).isRegularFile();
        assertThat(root.resolve("runner").resolve(shortToken).resolve("project").resolve("4102")).doesNotExist();
    }

    @Test
    void cacheDirPutsTheArchivesThereUnderRunnerAndProject() throws Exception {
        Path cacheDir = dir.resolve("elsewhere").resolve("caches");
        process = startRunner(config(1, "cache_dir = \"" + cacheDir + "\"\n"));

        JobView first = run(job("write", 4201, "mkdir -p cache", "echo in-cache-dir > cache/a.txt"));
        assertThat(first.traceText()).contains("Created cache ", ": 1 file(s), ");
        JobView second = run(job("read", 4201, "cat cache/a.txt"));
        assertThat(second.traceText()).contains("Successfully extracted cache", "in-cache-dir");

        Path project = cacheDir.resolve("runner").resolve(shortToken).resolve("project").resolve("4201");
        assertThat(project.resolve(key).resolve("cache.zip")).isRegularFile();
        try (Stream<Path> files = Files.walk(cacheDir)) {
            assertThat(files.filter(Files::isRegularFile).toList()).as("only the one archive, no temporary file")
                    .containsExactly(project.resolve(key).resolve("cache.zip"));
        }
        assertThat(dir.resolve("cache")).doesNotExist();
    }

    @Test
    void twoJobsSavingOneKeyAtOnceBothSucceedAndAThirdRestoresOneWholeArchive() throws Exception {
        process = startRunner(config(2, ""));
        // both jobs run at once, wait for each other through the host's clock, and archive ~1.4 MB at once
        String at = Long.toString(System.currentTimeMillis() / 1000 + 20);
        JobHandle a = gitlab.enqueue(racer("racer-a", 1, at));
        JobHandle b = gitlab.enqueue(racer("racer-b", 2, at));
        for (JobHandle racer : List.of(a, b)) {
            JobView view = gitlab.awaitJob(racer.id(), Duration.ofSeconds(180));
            assertThat(view.finalState()).as(view.traceText() + "\nrunner log:\n" + runnerLog())
                    .isEqualTo(JobState.SUCCESS);
            assertThat(view.traceText()).contains("Created cache ", ": 2 file(s), ").doesNotContain("failed to save");
        }

        JobView third = run(job("reader", 4301, "echo \"who=$(cat cache/who.txt) first=$(head -n 1 cache/big.txt)"
                + " lines=$(wc -l < cache/big.txt | tr -d ' ')\""));
        assertThat(third.traceText()).contains("Successfully extracted cache").doesNotContain("failed to restore");
        assertThat(third.traceText()).containsAnyOf("who=A first=1 lines=200000", "who=B first=2 lines=200000");
        Path project = dir.resolve("cache").resolve("runner").resolve(shortToken).resolve("project").resolve("4301");
        try (Stream<Path> files = Files.walk(project)) {
            assertThat(files.filter(Files::isRegularFile).toList()).as("one archive, no temporary file left")
                    .containsExactly(project.resolve(key).resolve("cache.zip"));
        }
    }

    // ------------------------------------------------------------------ helpers

    JobBuilder racer(String name, int n, String at) {
        String who = n == 1 ? "A" : "B";
        return job(name, 4301, "mkdir -p cache", "seq " + n + " " + (n + 199_999) + " > cache/big.txt",
                "echo " + who + " > cache/who.txt",
                "while [ \"$(date +%s)\" -lt " + at + " ]; do sleep 0.1; done", "echo racer " + who + " done")
                .image(IMAGE).variable("GIT_STRATEGY", "none");
    }

    JobBuilder job(String name, long projectId, String... script) {
        return jobWithPolicy(name, projectId, "pull-push", script);
    }

    JobBuilder jobWithPolicy(String name, long projectId, String policy, String... script) {
        // the payload's cache entry with GitLab's own fields: key, untracked, paths, policy, when, fallback_keys
        return Jobs.job(name).project(projectId, "cache-it/project-" + projectId).script(script)
                .cache(new CacheSpec(key, false, List.of("cache/"), policy, "on_success", List.of()))
                .image(IMAGE).variable("GIT_STRATEGY", "none");
    }

    JobView run(JobBuilder job) throws IOException {
        JobHandle handle = gitlab.enqueue(job);
        JobView view = gitlab.awaitJob(handle.id(), Duration.ofSeconds(120));
        assertThat(view.finalState()).as(view.traceText() + "\nrunner log:\n" + runnerLog())
                .isEqualTo(JobState.SUCCESS);
        return view;
    }

    Path config(int concurrent, String runnerExtra) throws IOException {
        return CliProcess.writeConfig(dir.resolve("config.toml"), concurrent, "cache-it", gitlab.url(), token, "",
                runnerExtra);
    }

    Process startRunner(Path config) throws IOException {
        return CliProcess.start(dir.resolve("runner.log"), "run", "--config", config.toString());
    }

    String runnerLog() throws IOException {
        return CliProcess.read(dir.resolve("runner.log"));
    }

    static String hex(int bytes) {
        byte[] random = new byte[bytes];
        RANDOM.nextBytes(random);
        return HexFormat.of().formatHex(random);
    }
}
