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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.cleverrunner.docker.internal.sources.Processes.filesContaining;
import static org.cleverrunner.docker.internal.sources.Processes.git;
import static org.cleverrunner.docker.internal.sources.Processes.write;

/**
 * SourceFetcher against real repositories served by git http-backend on loopback with GitLab's job-token auth:
 * a project with several commits, an annotated tag, a branch and a submodule that has a submodule of its own.
 */
class GitSourceFetcherTest {

    private static final String TOKEN = "glcbt-64_good-job-token-0123456789";
    private static final String BAD_TOKEN = "glcbt-64_bad-job-token-9876543210";

    @TempDir
    static Path repos;

    private static GitHttpServer server;
    private static String c1;
    private static String c2;
    private static String c3;
    private static String c4;
    private static String subCommit;

    @TempDir
    Path workRoot;

    @BeforeAll
    static void buildRepositories() throws IOException {
        Path root = repos.resolve("served");
        Path work = repos.resolve("work");

        Path subsub = work.resolve("subsub");
        init(subsub);
        write(subsub.resolve("subsub.txt"), "deep\n");
        String subsubCommit = commit(subsub, "subsub file");

        Path sub = work.resolve("sub");
        init(sub);
        write(sub.resolve("sub.txt"), "sub\n");
        write(sub.resolve(".gitmodules"), "[submodule \"subsub\"]\n\tpath = subsub\n\turl = ../subsub.git\n");
        git(sub, "add", "-A");
        git(sub, "update-index", "--add", "--cacheinfo", "160000," + subsubCommit + ",subsub");
        subCommit = commitIndex(sub, "sub with a submodule");

        Path project = work.resolve("project");
        init(project);
        write(project.resolve("a.txt"), "one\n");
        write(project.resolve(".gitignore"), "*.log\n");
        c1 = commit(project, "one");
        write(project.resolve("a.txt"), "two\n");
        c2 = commit(project, "two");
        git(project, "tag", "-a", "v1.0", "-m", "release 1.0");
        git(project, "checkout", "-q", "-b", "feature");
        write(project.resolve("b.txt"), "feature\n");
        c3 = commit(project, "feature work");
        git(project, "checkout", "-q", "main");
        write(project.resolve("a.txt"), "four\n");
        write(project.resolve(".gitmodules"), "[submodule \"sub\"]\n\tpath = sub\n\turl = ../sub.git\n");
        git(project, "add", "-A");
        git(project, "update-index", "--add", "--cacheinfo", "160000," + subCommit + ",sub");
        c4 = commitIndex(project, "four, with a submodule");

        for (String name : List.of("project", "sub", "subsub")) {
            Path bare = root.resolve("group").resolve(name + ".git");
            Files.createDirectories(bare.getParent());
            git(work, "clone", "-q", "--bare", work.resolve(name).toString(), bare.toString());
            git(bare, "config", "uploadpack.allowReachableSHA1InWant", "true");
            git(bare, "config", "uploadpack.allowAnySHA1InWant", "true");
        }
        server = GitHttpServer.git(root, TOKEN);
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    private static void init(Path dir) throws IOException {
        Files.createDirectories(dir);
        git(dir, "init", "-q", "-b", "main");
    }

    private static String commit(Path dir, String message) {
        git(dir, "add", "-A");
        git(dir, "commit", "-q", "-m", message);
        return git(dir, "rev-parse", "HEAD");
    }

    /** Commits the index as it is: the gitlinks have no directory to add. */
    private static String commitIndex(Path dir, String message) {
        git(dir, "commit", "-q", "-m", message);
        return git(dir, "rev-parse", "HEAD");
    }

    private static String url(String token) {
        return server.base().replace("://", "://gitlab-ci-token:" + token + "@") + "/group/project.git";
    }

    private static SourceSpec spec(String revision, String ref, List<String> refspecs, int depth) {
        return new SourceSpec("git", Secret.of(url(TOKEN)), revision, ref, "branch", refspecs, depth);
    }

    private static JobPlan plan(SourceSpec sources, Variable... variables) {
        return plan("group/project", sources, variables);
    }

    private static JobPlan plan(String projectPath, SourceSpec sources, Variable... variables) {
        return new JobPlan("r1", 42, "test", projectPath, JobPlan.ImageSpec.of("busybox"), null, List.of(variables),
                sources, List.of("true"), null, Duration.ofMinutes(2), null, null, null, null, null);
    }

    /** The working copy as it was while held; these tests run one job at a time, so it is still that. */
    private FetchedSources fetch(JobPlan plan, RecordingTrace trace) throws InterruptedException {
        return new SourceFetcher(workRoot).fetch(plan, trace, new JobControl(), sources -> sources).orElse(null);
    }

    private void assertNoSecretAnywhere(RecordingTrace trace, String... tokens) throws IOException {
        for (String token : tokens) {
            assertThat(trace.text()).doesNotContain(token);
            assertThat(filesContaining(workRoot, token)).as("files holding the token").isEmpty();
        }
    }

    @Test
    void clonesAnExactShaAtDepthOne() throws Exception {
        RecordingTrace trace = new RecordingTrace();
        FetchedSources sources = fetch(plan(spec(c4, "main", List.of(), 50), Variable.of("GIT_DEPTH", "1"),
                Variable.of("GIT_STRATEGY", "clone")), trace);

        Path dir = sources.directory();
        assertThat(dir.getParent()).isEqualTo(workRoot.toAbsolutePath().normalize());
        assertThat(git(dir, "rev-parse", "HEAD")).isEqualTo(c4);
        assertThat(git(dir, "rev-list", "--count", "HEAD")).isEqualTo("1");
        assertThat(Files.readString(dir.resolve("a.txt"))).isEqualTo("four\n");
        assertThat(trace.text()).contains("Fetching changes with git depth set to 1...")
                .contains("Checking out " + c4.substring(0, 8) + " as detached HEAD (ref is main)...")
                .contains("Skipping Git submodules setup")
                .contains(server.base() + "/group/project.git");
        assertThat(git(dir, "config", "--get", "remote.origin.url")).isEqualTo(server.base() + "/group/project.git");
        assertNoSecretAnywhere(trace, TOKEN);
    }

    @Test
    void fetchesAShaNoRefReachesAtThatDepth() throws Exception {
        RecordingTrace trace = new RecordingTrace();
        Path dir = fetch(plan(spec(c1, "main", List.of(), 1)), trace).directory();

        assertThat(git(dir, "rev-parse", "HEAD")).isEqualTo(c1);
        assertThat(git(dir, "rev-list", "--count", "HEAD")).isEqualTo("1");
        assertThat(Files.readString(dir.resolve("a.txt"))).isEqualTo("one\n");
        assertThat(trace.text()).contains("Fetching " + c1.substring(0, 8) + " directly...");
    }

    @Test
    void checksOutATagsCommitWithFullHistory() throws Exception {
        RecordingTrace trace = new RecordingTrace();
        SourceSpec tag = new SourceSpec("git", Secret.of(url(TOKEN)), c2, "v1.0", "tag", List.of(), 0);
        Path dir = fetch(plan(tag), trace).directory();

        assertThat(git(dir, "rev-parse", "HEAD")).isEqualTo(c2);
        assertThat(git(dir, "rev-parse", "v1.0^{commit}")).isEqualTo(c2);
        assertThat(git(dir, "rev-list", "--count", "HEAD")).isEqualTo("2");
        assertThat(Files.readString(dir.resolve("a.txt"))).isEqualTo("two\n");
        assertThat(dir.resolve("b.txt")).doesNotExist();
        assertThat(trace.text()).contains("Fetching changes...").contains("(ref is v1.0)");
    }

    @Test
    void checksOutABranchCommitFetchedByThePayloadsRefspecs() throws Exception {
        RecordingTrace trace = new RecordingTrace();
        Path dir = fetch(plan(spec(c3, "feature", List.of("+refs/heads/feature:refs/remotes/origin/feature"), 0)),
                trace).directory();

        assertThat(git(dir, "rev-parse", "HEAD")).isEqualTo(c3);
        assertThat(git(dir, "rev-parse", "refs/remotes/origin/feature")).isEqualTo(c3);
        assertThat(git(dir, "for-each-ref", "--format=%(refname)")).doesNotContain("refs/remotes/origin/main");
        assertThat(Files.readString(dir.resolve("b.txt"))).isEqualTo("feature\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "normal", "recursive"})
    void submodulesPerStrategy(String strategy) throws Exception {
        RecordingTrace trace = new RecordingTrace();
        Path dir = fetch(plan(spec(c4, "main", List.of(), 0), Variable.of("GIT_SUBMODULE_STRATEGY", strategy),
                Variable.of("GIT_SUBMODULE_DEPTH", "1")), trace).directory();

        Path sub = dir.resolve("sub/sub.txt");
        Path subsub = dir.resolve("sub/subsub/subsub.txt");
        switch (strategy) {
            case "none" -> {
                assertThat(sub).doesNotExist();
                assertThat(trace.text()).contains("Skipping Git submodules setup");
            }
            case "normal" -> {
                assertThat(sub).hasContent("sub");
                assertThat(git(dir.resolve("sub"), "rev-parse", "HEAD")).isEqualTo(subCommit);
                assertThat(subsub).doesNotExist();
                assertThat(trace.text()).contains("Updating/initializing submodules with git depth set to 1...");
            }
            default -> {
                assertThat(sub).hasContent("sub");
                assertThat(subsub).hasContent("deep");
                assertThat(trace.text()).contains("Updating/initializing submodules recursively");
            }
        }
        // relative submodule URLs resolved against the credential-free origin
        if (!strategy.equals("none")) {
            assertThat(git(dir, "config", "--get", "submodule.sub.url")).isEqualTo(server.base() + "/group/sub.git");
        }
        assertNoSecretAnywhere(trace, TOKEN);
    }

    @Test
    void fetchStrategyReusesTheWorkingCopyAndCleansPerGitCleanFlags() throws Exception {
        Path dir = fetch(plan(spec(c2, "v1.0", List.of(), 0), Variable.of("GIT_STRATEGY", "clone")),
                new RecordingTrace()).directory();
        write(dir.resolve(".git/clever-runner-marker"), "kept while reused");
        write(dir.resolve("junk.txt"), "untracked");
        write(dir.resolve("build.log"), "ignored");

        RecordingTrace second = new RecordingTrace();
        long start = System.nanoTime();
        Path again = fetch(plan(spec(c4, "main", List.of(), 0), Variable.of("GIT_STRATEGY", "fetch"),
                Variable.of("GIT_CLEAN_FLAGS", "-ffd")), second).directory();
        long reuseMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertThat(again).isEqualTo(dir);
        assertThat(dir.resolve(".git/clever-runner-marker")).exists();
        assertThat(second.text()).contains("Reinitialized existing Git repository").doesNotContain("Created fresh");
        assertThat(git(dir, "rev-parse", "HEAD")).isEqualTo(c4);
        assertThat(dir.resolve("junk.txt")).doesNotExist();
        assertThat(dir.resolve("build.log")).as("-ffd keeps ignored files").exists();
        assertThat(reuseMillis).isLessThan(20_000);

        fetch(plan(spec(c4, "main", List.of(), 0)), new RecordingTrace());
        assertThat(dir.resolve("build.log")).as("default -ffdx removes ignored files").doesNotExist();

        RecordingTrace fresh = new RecordingTrace();
        fetch(plan(spec(c4, "main", List.of(), 0), Variable.of("GIT_STRATEGY", "clone")), fresh);
        assertThat(dir.resolve(".git/clever-runner-marker")).doesNotExist();
        assertThat(fresh.text()).contains("Created fresh repository.");
    }

    @Test
    void gitCheckoutFalseFetchesWithoutCheckingOut() throws Exception {
        RecordingTrace trace = new RecordingTrace();
        Path dir = fetch(plan(spec(c4, "main", List.of(), 0), Variable.of("GIT_CHECKOUT", "false")), trace)
                .directory();

        assertThat(git(dir, "cat-file", "-t", c4)).isEqualTo("commit");
        assertThat(dir.resolve("a.txt")).doesNotExist();
        assertThat(trace.text()).contains("Skipping Git checkout");
    }

    @Test
    void strategyNoneCreatesNothingAndContactsNoServer() throws Exception {
        RecordingTrace trace = new RecordingTrace();
        SourceSpec unreachable = new SourceSpec("git", Secret.of("http://127.0.0.1:1/nowhere.git"), c4, "main",
                "branch", List.of(), 0);
        FetchedSources sources = fetch(plan(unreachable, Variable.of("GIT_STRATEGY", "none")), trace);

        assertThat(sources).isNull();
        try (Stream<Path> entries = Files.list(workRoot)) {
            assertThat(entries).isEmpty();
        }
        assertThat(trace.text()).contains("Skipping Git repository setup");
    }

    @Test
    void wrongCredentialsFailClearlyWithoutPrintingAnyToken() throws Exception {
        RecordingTrace trace = new RecordingTrace();
        SourceSpec wrong = new SourceSpec("git", Secret.of(url(BAD_TOKEN)), c4, "main", "branch", List.of(), 1);

        assertThatThrownBy(() -> fetch(plan(wrong), trace))
                .isInstanceOf(SourceFetchException.class)
                .hasMessage("get_sources failed: git fetch exited with 128: fatal: Authentication failed for '"
                        + server.base() + "/group/project.git/'")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(TOKEN).doesNotContain(BAD_TOKEN));
        assertThat(trace.text()).contains("Authentication failed");
        assertNoSecretAnywhere(trace, TOKEN, BAD_TOKEN);
    }

    @Test
    void hostileInputsAreRefusedBeforeAnythingRuns(@TempDir Path elsewhere) throws Exception {
        Path pwned = elsewhere.resolve("pwned");
        List<JobPlan> hostile = List.of(
                plan(spec("--upload-pack=touch " + pwned, "main", List.of(), 0)),
                plan(spec("main", "main", List.of(), 0)),
                plan(spec(c4, "main", List.of("-x"), 0)),
                plan(spec(c4, "main", List.of("--upload-pack=touch " + pwned), 0)),
                plan("../../etc", spec(c4, "main", List.of(), 0)),
                plan("group/../../../etc", spec(c4, "main", List.of(), 0)),
                plan("/etc", spec(c4, "main", List.of(), 0)),
                plan("group/$(touch x)", spec(c4, "main", List.of(), 0)),
                plan(spec(c4, "main", List.of(), 0), Variable.of("GIT_CLEAN_FLAGS", "-ffdx " + pwned)),
                plan(spec(c4, "main", List.of(), 0), Variable.of("GIT_STRATEGY", "rsync")),
                plan(spec(c4, "main", List.of(), 0), Variable.of("GIT_DEPTH", "1; touch " + pwned)),
                plan(spec(c4, "main", List.of(), 0), Variable.of("GIT_SUBMODULE_STRATEGY", "--foo")));
        for (JobPlan plan : hostile) {
            RecordingTrace trace = new RecordingTrace();
            assertThatThrownBy(() -> fetch(plan, trace)).as(plan.projectPath() + " " + plan.variables())
                    .isInstanceOf(SourceFetchException.class)
                    .hasMessageStartingWith("get_sources failed: ")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain(TOKEN));
        }
        assertThat(pwned).doesNotExist();
        try (Stream<Path> entries = Files.list(workRoot)) {
            assertThat(entries).as("nothing created in the work root").isEmpty();
        }
        try (Stream<Path> entries = Files.list(workRoot.getParent())) {
            assertThat(entries.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains("etc"));
        }
    }

    @Test
    void messagesNameTheRefusedInput() {
        assertThatThrownBy(() -> fetch(plan(spec("--upload-pack=touch /tmp/pwned", "main", List.of(), 0)),
                new RecordingTrace()))
                .hasMessageContaining("full Git commit id").hasMessageContaining("'--upload-pack=touch /tmp/pwned'");
        assertThatThrownBy(() -> fetch(plan(spec(c4, "main", List.of("-x"), 0)), new RecordingTrace()))
                .hasMessageContaining("refusing refspec '-x'");
        assertThatThrownBy(() -> fetch(plan("../../etc", spec(c4, "main", List.of(), 0)), new RecordingTrace()))
                .hasMessageContaining("refusing project path '../../etc'");
    }

    @Test
    void aStopKillsTheRunningFetchPromptly() throws Exception {
        RecordingTrace trace = new RecordingTrace();
        JobControl control = new JobControl();
        server.delay(30_000);
        try {
            CompletableFuture<FetchedSources> running = CompletableFuture.supplyAsync(() -> {
                try {
                    return new SourceFetcher(workRoot).fetch(plan(spec(c4, "main", List.of(), 1)), trace, control,
                            sources -> sources).orElseThrow();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!trace.text().contains("Fetching changes") && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            Thread.sleep(300); // git is now waiting on the server
            long start = System.nanoTime();
            control.abort();
            assertThatThrownBy(() -> running.get(5, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(SourceFetchException.class)
                    .hasMessageContaining("get_sources stopped: the job was canceled");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5_000);
        } finally {
            server.delay(0);
        }
    }
}
