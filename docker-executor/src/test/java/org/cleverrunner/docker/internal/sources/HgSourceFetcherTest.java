package org.cleverrunner.docker.internal.sources;

import org.cleverrunner.spi.JobControl;
import org.cleverrunner.spi.JobPlan;
import org.cleverrunner.spi.JobPlan.SourceSpec;
import org.cleverrunner.spi.JobPlan.Variable;
import org.cleverrunner.spi.Secret;
import org.cleverrunner.testkit.GitHttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.cleverrunner.docker.internal.sources.Processes.filesContaining;
import static org.cleverrunner.docker.internal.sources.Processes.hg;
import static org.cleverrunner.docker.internal.sources.Processes.write;

/**
 * SourceFetcher for Heptapod's Mercurial projects against {@code hg serve} on loopback: a default branch, a named
 * branch {@code stable} and a topic {@code t1} (evolve's topic extension).
 */
class HgSourceFetcherTest {

    private static final String TOKEN = "glcbt-64_hg-job-token-0123456789";
    private static final String BAD_TOKEN = "glcbt-64_hg-bad-token-9876543210";
    private static final String TOPIC = "--config=extensions.topic=";

    @TempDir
    static Path repos;

    private static Process serve;
    private static GitHttpServer authenticated;
    private static String base;
    private static String h1;
    private static String stable;
    private static String topic;

    @TempDir
    Path workRoot;

    @BeforeAll
    static void buildAndServe() throws Exception {
        Path repo = repos.resolve("project");
        Files.createDirectories(repo);
        hg(repo, "init");
        write(repo.resolve("a.txt"), "zero\n");
        hg(repo, "commit", "-q", "-A", "-m", "zero");
        write(repo.resolve("a.txt"), "one\n");
        hg(repo, "commit", "-q", "-m", "one");
        h1 = node(repo);
        hg(repo, "branch", "-q", "stable");
        write(repo.resolve("a.txt"), "stable\n");
        hg(repo, "commit", "-q", "-m", "on stable");
        stable = node(repo);
        hg(repo, "update", "-q", "default");
        hg(repo, TOPIC, "topic", "t1");
        write(repo.resolve("t.txt"), "topic\n");
        hg(repo, TOPIC, "commit", "-q", "-A", "-m", "topic work");
        topic = node(repo);
        assertThat(hg(repo, TOPIC, "log", "-r", topic, "-T", "{topic} {phase}")).isEqualTo("t1 draft");

        ProcessBuilder builder = new ProcessBuilder("hg", "serve", "-R", repo.toString(), "-a", "127.0.0.1",
                "-p", "0", TOPIC, "--config=phases.publish=false").redirectErrorStream(true);
        builder.environment().put("HGRCPATH", "");
        builder.environment().put("HGPLAIN", "1");
        serve = builder.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8));
        String line = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (IOException e) {
                return null;
            }
        }).get(20, TimeUnit.SECONDS);
        Matcher port = Pattern.compile("bound to 127\\.0\\.0\\.1:(\\d+)").matcher(String.valueOf(line));
        assertThat(port.find()).as("hg serve said: " + line).isTrue();
        base = "http://127.0.0.1:" + port.group(1) + "/";
        authenticated = GitHttpServer.hg(repo, "/group/hg-project", repos, TOKEN);
        Thread drain = new Thread(() -> {
            try {
                out.transferTo(java.io.Writer.nullWriter());
            } catch (IOException ignored) {
                // hg serve stopped
            }
        });
        drain.setDaemon(true);
        drain.start();
    }

    @AfterAll
    static void stopServe() throws InterruptedException {
        if (authenticated != null) {
            authenticated.close();
        }
        if (serve != null) {
            serve.destroy();
            if (!serve.waitFor(5, TimeUnit.SECONDS)) {
                serve.destroyForcibly();
            }
        }
    }

    private static String node(Path repo) {
        return hg(repo, "log", "-r", ".", "-T", "{node}");
    }

    private static SourceSpec spec(String revision, String ref) {
        // hg serve asks for no credentials; they are given anyway to check that they are kept out of the copy
        String url = base.replace("://", "://gitlab-ci-token:" + TOKEN + "@");
        return new SourceSpec("hg", Secret.of(url), revision, ref, "branch", List.of("+refs/heads/*:refs/x/*"), 0);
    }

    private FetchedSources fetch(SourceSpec spec, RecordingTrace trace, Variable... variables)
            throws InterruptedException {
        JobPlan plan = new JobPlan("r1", 7, "test", "group/hg-project", JobPlan.ImageSpec.of("busybox"), null,
                List.of(variables), spec, List.of("true"), null, Duration.ofMinutes(2), null, null, null, null,
                null);
        return new SourceFetcher(workRoot).fetch(plan, trace, new JobControl(), sources -> sources).orElseThrow();
    }

    @Test
    void checksOutTheHeadOfANamedBranch() throws Exception {
        RecordingTrace trace = new RecordingTrace();
        Path dir = fetch(spec(stable, "branch/stable"), trace, Variable.of("GIT_DEPTH", "1")).directory();

        assertThat(hg(dir, "id", "-i")).isEqualTo(stable.substring(0, 12));
        assertThat(hg(dir, "branch")).isEqualTo("stable");
        assertThat(dir.resolve("a.txt")).hasContent("stable");
        assertThat(trace.text())
                .contains("GIT_DEPTH=1 is ignored")
                .contains("Checking out " + stable.substring(0, 12) + " (ref is branch/stable)...")
                .doesNotContain(TOKEN);
        assertThat(Files.readString(dir.resolve(".hg/hgrc"))).isEqualTo("[paths]\ndefault = " + base + "\n");
        assertThat(filesContaining(workRoot, TOKEN)).isEmpty();
    }

    @Test
    void checksOutATopicsChangeset() throws Exception {
        RecordingTrace trace = new RecordingTrace();
        Path dir = fetch(spec(topic, "topic/default/t1"), trace, Variable.of("GIT_STRATEGY", "clone")).directory();

        assertThat(hg(dir, "id", "-i")).isEqualTo(topic.substring(0, 12));
        assertThat(hg(dir, TOPIC, "log", "-r", ".", "-T", "{topic}")).isEqualTo("t1");
        assertThat(dir.resolve("t.txt")).hasContent("topic");
        assertThat(dir.resolve("a.txt")).hasContent("one");
        assertThat(trace.text()).contains("(ref is topic/default/t1)").doesNotContain(TOKEN);
        assertThat(filesContaining(workRoot, TOKEN)).isEmpty();
    }

    @Test
    void fetchStrategyPullsIntoTheSameWorkingCopyAndPurges() throws Exception {
        Path dir = fetch(spec(h1, "branch/default"), new RecordingTrace()).directory();
        write(dir.resolve(".hg/clever-runner-marker"), "kept while reused");
        write(dir.resolve("junk.txt"), "untracked");
        write(dir.resolve("a.txt"), "modified");

        RecordingTrace second = new RecordingTrace();
        Path again = fetch(spec(topic, "topic/default/t1"), second).directory();

        assertThat(again).isEqualTo(dir);
        assertThat(dir.resolve(".hg/clever-runner-marker")).exists();
        assertThat(second.text()).contains("existing Mercurial working copy").doesNotContain("Cloning");
        assertThat(hg(dir, "id", "-i")).isEqualTo(topic.substring(0, 12));
        assertThat(dir.resolve("junk.txt")).doesNotExist();
        assertThat(dir.resolve("a.txt")).hasContent("one");
        assertThat(filesContaining(workRoot, TOKEN)).isEmpty();
    }

    private static SourceSpec behindAuth(String token, String revision) {
        String url = authenticated.base().replace("://", "://gitlab-ci-token:" + token + "@") + "/group/hg-project";
        return new SourceSpec("hg", Secret.of(url), revision, "branch/stable", "branch", List.of(), 0);
    }

    @Test
    void usesTheJobTokenWhereTheServerAsksForIt() throws Exception {
        RecordingTrace trace = new RecordingTrace();
        Path dir = fetch(behindAuth(TOKEN, stable), trace).directory();

        assertThat(hg(dir, "id", "-i")).isEqualTo(stable.substring(0, 12));
        assertThat(Files.readString(dir.resolve(".hg/hgrc")))
                .isEqualTo("[paths]\ndefault = " + authenticated.base() + "/group/hg-project\n");
        assertThat(trace.text()).doesNotContain(TOKEN);
        assertThat(filesContaining(workRoot, TOKEN)).isEmpty();
    }

    @Test
    void wrongCredentialsFailClearlyWithoutPrintingAnyToken() throws Exception {
        RecordingTrace trace = new RecordingTrace();

        assertThatThrownBy(() -> fetch(behindAuth(BAD_TOKEN, stable), trace))
                .isInstanceOf(SourceFetchException.class)
                .hasMessage("get_sources failed: hg clone exited with 255: abort: authorization failed")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(TOKEN).doesNotContain(BAD_TOKEN));
        assertThat(trace.text()).doesNotContain(TOKEN).doesNotContain(BAD_TOKEN);
        assertThat(filesContaining(workRoot, TOKEN)).isEmpty();
        assertThat(filesContaining(workRoot, BAD_TOKEN)).isEmpty();
    }

    @Test
    void aRefIsNeverTakenForARevision() {
        for (String revision : List.of("branch/stable", "topic/default/t1", "-rtip", stable.substring(0, 12),
                "--config=hooks.pre-update=touch /tmp/pwned")) {
            assertThatThrownBy(() -> fetch(spec(revision, "branch/stable"), new RecordingTrace()))
                    .isInstanceOf(SourceFetchException.class)
                    .hasMessageContaining("full Mercurial changeset id");
        }
        assertThat(workRoot.toFile().list()).isEmpty();
    }
}
