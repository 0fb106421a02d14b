package org.cleverrunner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cleverrunner.clevercloud.CleverCloudAuthentication;
import org.cleverrunner.coordinator.payload.CacheSpec;
import org.cleverrunner.testkit.FakeCoordinator;
import org.cleverrunner.testkit.JobBuilder;
import org.cleverrunner.testkit.JobHandle;
import org.cleverrunner.testkit.JobState;
import org.cleverrunner.testkit.JobView;
import org.cleverrunner.testkit.Jobs;
import org.cleverrunner.testkit.clevercloud.CleverCloudSimulator;
import org.cleverrunner.cache.s3.S3Server;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The S3 cache under the CLI's {@code run}, the runnable jar as a process, the real Docker Engine, and a real S3
 * server (s3proxy, in this JVM): one job writes {@code node_modules/} under key {@code deps}, the next restores the
 * same bytes, and the bucket holds the archive exactly where gitlab-runner would put it for that runner, project and
 * key, {@code runner/<short token>/project/<id>/deps}.
 */
class S3CacheUnderRunIT {

    static final String BUCKET = "runner-cache";
    static final String ACCESS_KEY = S3Server.ACCESS_KEY;
    static final String SECRET_KEY = S3Server.SECRET_KEY;
    static final String CLEVER_TOKEN = "clever-oauth-token-for-s3-cache-tests";
    static final String CLEVER_SECRET = "clever-oauth-secret-for-s3-cache-tests";

    @TempDir
    Path dir;
    final String token = "glrt-s3" + CacheUnderRunIT.hex(3) + "z" + CacheUnderRunIT.hex(8);
    final String shortToken = token.substring(5, 14);
    FakeCoordinator gitlab;
    S3Server s3;
    BlobStore blobs;
    Process process;

    @BeforeEach
    void start() throws Exception {
        s3 = new S3Server(BUCKET);
        blobs = s3.blobStore();
        gitlab = FakeCoordinator.builder().firstJobId(780_000 + CacheUnderRunIT.RANDOM.nextInt(100_000))
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
        s3.close();
    }

    String cacheSection() {
        return "[runners.cache]\n"
                        + "Type = \"s3\"\n"
                        + "Shared = false\n"
                        + "MaxUploadedArchiveSize = 0\n"
                        + "[runners.cache.s3]\n"
                        + "ServerAddress = \"127.0.0.1:" + s3.port() + "\"\n"
                        + "Insecure = true\n"
                        + "AccessKey = \"" + ACCESS_KEY + "\"\n"
                        + "SecretKey = \"" + SECRET_KEY + "\"\n"
                        + "BucketName = \"" + BUCKET + "\"\n"
                        + "BucketLocation = \"\"\n"
                        + "AuthenticationType = \"access-key\"\n"
                        + "[runners.cache.gcs]\n"
                        + "[runners.cache.azure]\n";
    }

    @Test
    void nodeModulesCachedUnderDepsAreRestoredByTheNextJobFromTheBucket() throws Exception {
        Path config = CliProcess.writeConfig(dir.resolve("config.toml"), 1, "s3-cache-it", gitlab.url(), token, "",
                cacheSection());
        process = CliProcess.start(dir.resolve("runner.log"), "run", "--config", config.toString());
        roundTrip(5101, 300_000);
    }

    /**
     * On Clever Cloud VMs (the simulator's, each a gateway in front of the local engine): the VM moves the archive
     * between the job's volume and the bucket through pre-signed URLs; the runner host relays none of it.
     */
    @Test
    void onVmsTheArchiveMovesBetweenTheVmAndTheBucketNotThroughTheRunnerHost() throws Exception {
        try (LoopbackVms vms = new LoopbackVms(); CleverCloudSimulator clever = CleverCloudSimulator.builder()
                .oauth(CleverCloudAuthentication.CLEVER_TOOLS_CONSUMER_KEY,
                        CleverCloudAuthentication.CLEVER_TOOLS_CONSUMER_SECRET, CLEVER_TOKEN, CLEVER_SECRET)
                        .bootTime(Duration.ofMillis(200)).workDir(dir.resolve("clever"))
                .launcher(vms.launcher()).start()) {
            Path jar = java.nio.file.Files.writeString(dir.resolve("docker-gateway.jar"), "stands for the gateway jar");
            Path config = CliProcess.writeConfig(dir.resolve("config.toml"), 1, "s3-cache-vm", gitlab.url(), token,
                    "", "clever-cloud", cacheSection()
                            + "[runners.provisioners.clever-cloud]\n"
                            + "organisation = \"" + clever.organisationId() + "\"\n"
                            + "api-url = \"" + clever.url() + "\"\n"
                            + "token = \"" + CLEVER_TOKEN + "\"\nsecret = \"" + CLEVER_SECRET
                            + "\"\n"
                            + "endpoint-scheme = \"http\"\n"
                            + "gateway-jar = \"" + jar + "\"\n"
                            + "poll-interval = \"200ms\"\n");
            process = CliProcess.start(dir.resolve("runner.log"), "run", "--config", config.toString());
            int size = 6 * 1024 * 1024;

            roundTrip(5102, size);

            long relayed = vms.relayedBytes();
            long moved = vms.cacheBytes();
            System.out.printf("S3 cache on VMs: %d bytes of archives moved by the VMs, %d bytes relayed by the runner"
                    + " host for both jobs (scripts, logs, API bodies)%n", moved, relayed);
            assertThat(moved).as("the archive went up once and down once, by the VMs").isGreaterThan(2L * size * 9 / 10);
            assertThat(relayed).as("the runner host relayed no archive").isLessThan(size / 4);
            // pre-signed URLs are credentials: neither the runner's log nor a job's shows one
            String log = CliProcess.read(dir.resolve("runner.log"));
            assertThat(log).doesNotContain("X-Amz-Signature", "X-Amz-Credential", SECRET_KEY);
            for (JobView job : gitlab.jobs()) {
                assertThat(job.traceText()).doesNotContain("X-Amz-Signature", "X-Amz-Credential", ACCESS_KEY);
            }
        }
    }

    void roundTrip(long projectId, int bytes) throws Exception {
        String digest = "echo TREE=$(find node_modules -type f | sort | xargs sha256sum | sha256sum | cut -c1-64)"
                + " FILES=$(find node_modules -type f | wc -l | tr -d ' ')";

        JobView first = run(job("install", projectId, "mkdir -p node_modules/left-pad/lib node_modules/.bin",
                "head -c " + bytes + " /dev/urandom > node_modules/left-pad/lib/index.js",
                "echo '{\"name\":\"left-pad\"}' > node_modules/left-pad/package.json",
                "echo '#!/bin/sh' > node_modules/.bin/left-pad", digest));
        assertThat(first.traceText()).contains("Created cache ").doesNotContain("failed to save");
        String written = tree(first.traceText());

        JobView second = run(job("test", projectId, digest));
        assertThat(second.traceText()).contains("Successfully extracted cache").doesNotContain("failed to restore");
        assertThat(tree(second.traceText())).as("the restored node_modules/").isEqualTo(written);

        String name = "runner/" + shortToken + "/project/" + projectId + "/deps";
        assertThat(blobs.list(BUCKET).contents()).extracting(object -> object.key()).containsExactly(name);
        try (InputStream archive = blobs.getBlob(BUCKET, name)) {
            byte[] magic = archive.readNBytes(2);
            assertThat(new String(magic, java.nio.charset.StandardCharsets.ISO_8859_1)).as("a zip").isEqualTo("PK");
        }
        String log = CliProcess.read(dir.resolve("runner.log"));
        assertThat(log).contains("s3://" + BUCKET).doesNotContain(SECRET_KEY);
        assertThat(first.traceText() + second.traceText()).doesNotContain(SECRET_KEY);
    }

    static String tree(String trace) {
        Matcher matcher = Pattern.compile("TREE=([0-9a-f]{64}) FILES=(\\d+)").matcher(trace);
        assertThat(matcher.find()).as("the tree's digest in\n" + trace).isTrue();
        assertThat(matcher.group(2)).isEqualTo("3");
        return matcher.group(1);
    }

    JobBuilder job(String name, long projectId, String... script) {
        return Jobs.job(name).project(projectId, "s3-cache-it/project-" + projectId).script(script)
                .cache(new CacheSpec("deps", false, List.of("node_modules/"), "pull-push", "on_success", List.of()))
                .image(CliProcess.IMAGE).variable("GIT_STRATEGY", "none");
    }

    JobView run(JobBuilder job) throws IOException {
        JobHandle handle = gitlab.enqueue(job);
        JobView view = gitlab.awaitJob(handle.id(), Duration.ofSeconds(120));
        assertThat(view.finalState()).as(view.traceText() + "\nrunner log:\n"
                + CliProcess.read(dir.resolve("runner.log"))).isEqualTo(JobState.SUCCESS);
        return view;
    }

    /**
     * GitLab Runner's cache semantics under {@code run}, each checked in the bucket: {@code when} against the job's
     * result, {@code policy} both ways, {@code untracked} taking untracked files only (tracked ones of a real Git
     * checkout stay out), and a fallback key restoring when the key has no cache yet.
     */
    @Test
    void policiesWhenUntrackedAndFallbackKeysAsGitLabRunner() throws Exception {
        Path served = java.nio.file.Files.createDirectories(dir.resolve("served"));
        org.cleverrunner.testkit.TwoCommitProject project = org.cleverrunner.testkit.TwoCommitProject.create(served,
                "group/cachey");
        try (org.cleverrunner.testkit.GitHttpServer git = org.cleverrunner.testkit.GitHttpServer.git(served,
                t -> t.startsWith("glcbt-"))) {
            Path config = CliProcess.writeConfig(dir.resolve("config.toml"), 1, "s3-cache-rules", gitlab.url(), token,
                    "", cacheSection());
            process = CliProcess.start(dir.resolve("runner.log"), "run", "--config", config.toString());
            String prefix = "runner/" + shortToken + "/project/5103/";

            // when: on_failure and always save for a failed job, on_success does not
            for (String when : List.of("on_success", "on_failure", "always")) {
                JobView failed = finish(rule("when-" + when, when, "pull-push", false, List.of(),
                        "mkdir -p keep && echo " + when + " > keep/it.txt", "exit 1"), JobState.FAILED);
                if (when.equals("on_success")) {
                    assertThat(failed.traceText()).contains("Not uploading cache when-on_success due to policy");
                } else {
                    assertThat(failed.traceText()).contains("Created cache when-" + when + ": 1 file(s)");
                }
            }
            assertThat(objects(prefix)).containsExactlyInAnyOrder("when-on_failure", "when-always");

            // policy: push neither restores nor minds an empty key; pull restores and never saves
            JobView pushed = finish(rule("pushed", "on_success", "push", false, List.of(),
                    "mkdir -p keep && echo pushed > keep/it.txt"), JobState.SUCCESS);
            assertThat(pushed.traceText()).contains("Not downloading cache pushed due to policy",
                    "Created cache pushed: 1 file(s)");
            JobView pulled = finish(rule("pushed", "on_success", "pull", false, List.of(),
                    "echo GOT=$(cat keep/it.txt)", "echo changed > keep/it.txt"), JobState.SUCCESS);
            assertThat(pulled.traceText()).contains("GOT=pushed", "Not uploading cache pushed due to policy");

            // a key without a cache falls back to the payload's fallback keys, then to CACHE_FALLBACK_KEY
            JobView fallback = finish(rule("feature-x", "on_success", "pull", false, List.of("when-always"),
                    "echo GOT=$(cat keep/it.txt)"), JobState.SUCCESS);
            assertThat(fallback.traceText()).contains("No cache found for feature-x",
                    "Checking cache for when-always...", "GOT=always");
            JobView variable = finish(rule("feature-y", "on_success", "pull", false, List.of("nothing-here"),
                    "echo GOT=$(cat keep/it.txt)").variable("CACHE_FALLBACK_KEY", "when-on_failure"),
                    JobState.SUCCESS);
            assertThat(variable.traceText()).contains("No cache found for feature-y", "No cache found for nothing-here",
                    "Checking cache for when-on_failure...", "GOT=on_failure");
            JobView refused = finish(rule("feature-z", "on_success", "pull", false, List.of(),
                    "echo GOT=$(cat keep/it.txt 2>/dev/null || echo none)")
                    .variable("CACHE_FALLBACK_KEY", "main-protected"), JobState.SUCCESS);
            assertThat(refused.traceText()).contains("GOT=none").doesNotContain("Checking cache for main-protected");

            // untracked: the files Git does not track, not the checkout's own
            JobView untracked = finish(rule("untracked", "on_success", "pull-push", true, List.of(),
                    "mkdir -p build && echo built > build/out.txt && echo changed >> MARKER")
                    .project(5103, "group/cachey").repoUrl(git.url("group/cachey")).sha(project.main().sha())
                    .ref(project.main().branch()).refspecs("+refs/heads/" + project.main().branch()
                            + ":refs/remotes/origin/" + project.main().branch()).variable("GIT_STRATEGY", "fetch"),
                    JobState.SUCCESS);
            assertThat(untracked.traceText()).contains("Created cache untracked: 1 file(s)");
            assertThat(zipNames(prefix + "untracked")).containsExactly("build/out.txt");
        }
    }

    JobBuilder rule(String key, String when, String policy, boolean untracked, List<String> fallbackKeys,
            String... script) {
        return Jobs.job("rules-" + key).project(5103, "group/cachey").script(script).image(CliProcess.IMAGE)
                .variable("GIT_STRATEGY", "none").cache(new CacheSpec(key, untracked,
                        untracked ? List.of() : List.of("keep/"), policy, when, fallbackKeys));
    }

    JobView finish(JobBuilder job, JobState state) throws IOException {
        JobHandle handle = gitlab.enqueue(job);
        JobView view = gitlab.awaitJob(handle.id(), Duration.ofSeconds(120));
        assertThat(view.finalState()).as(view.traceText() + "\nrunner log:\n"
                + CliProcess.read(dir.resolve("runner.log"))).isEqualTo(state);
        return view;
    }

    List<String> objects(String prefix) {
        return blobs.list(BUCKET).contents().stream()
                .map(object -> object.key()).filter(name -> name.startsWith(prefix))
                .map(name -> name.substring(prefix.length())).toList();
    }

    List<String> zipNames(String name) throws IOException {
        List<String> names = new java.util.ArrayList<>();
        try (InputStream archive = blobs.getBlob(BUCKET, name);
                java.util.zip.ZipInputStream zip = new java.util.zip.ZipInputStream(archive)) {
            for (java.util.zip.ZipEntry entry; (entry = zip.getNextEntry()) != null; ) {
                names.add(entry.getName());
            }
        }
        return names;
    }
}
