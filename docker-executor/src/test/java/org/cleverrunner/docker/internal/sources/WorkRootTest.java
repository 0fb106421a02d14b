package org.cleverrunner.docker.internal.sources;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.cleverrunner.spi.JobControl;
import org.cleverrunner.spi.JobPlan;
import org.cleverrunner.spi.Secret;
import org.cleverrunner.testkit.GitHttpServer;
import org.cleverrunner.testkit.TwoCommitProject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The work root stays bounded: at most N working copies, least recently used removed first but never one a job holds;
 * no copy kept for jobs without a project path; spools of dead processes removed at start. Real git over HTTP.
 */
class WorkRootTest {

    private static final String TOKEN = "glcbt-64_work-root-token-5150";

    @TempDir
    static Path repos;
    private static GitHttpServer server;
    private static TwoCommitProject project;

    @TempDir
    Path workRoot;

    @BeforeAll
    static void serve() throws IOException {
        project = TwoCommitProject.create(repos, "group/twins");
        server = GitHttpServer.git(repos, TOKEN);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static JobPlan plan(String projectPath, long jobId, TwoCommitProject.Commit commit) {
        String url = server.url("group/twins").replace("://", "://gitlab-ci-token:" + TOKEN + "@");
        return new JobPlan("wr1", jobId, "test", projectPath, JobPlan.ImageSpec.of("busybox"), null, List.of(),
                new JobPlan.SourceSpec("git", Secret.of(url), commit.sha(), commit.branch(), "branch", List.of(), 1),
                List.of("true"), null, Duration.ofMinutes(2), null, null, null, null, null);
    }

    private static String marker(Path copy) throws IOException {
        return Files.readString(copy.resolve("MARKER")).strip();
    }

    private List<String> copies() {
        return new WorkRoot(workRoot, 1).workingCopies().stream().map(p -> p.getFileName().toString()).toList();
    }

    private static String name(String projectPath) {
        return projectPath.replace('/', '-');
    }

    private Path fetch(SourceFetcher fetcher, String projectPath, TwoCommitProject.Commit commit)
            throws InterruptedException {
        Path dir = fetcher.fetch(plan(projectPath, 1, commit), new RecordingTrace(), new JobControl(),
                FetchedSources::directory).orElseThrow();
        sleepForMtime();
        return dir;
    }

    private static void sleepForMtime() throws InterruptedException {
        Thread.sleep(15); // distinct last-use times, whatever the file system's resolution
    }

    @Test
    void keepsAtMostTheBoundAndRemovesTheLeastRecentlyUsedFirst() throws Exception {
        SourceFetcher fetcher = new SourceFetcher(workRoot, Duration.ofMinutes(1), 2);
        fetch(fetcher, "g/p1", project.main());
        fetch(fetcher, "g/p2", project.main());
        fetch(fetcher, "g/p3", project.two());
        assertThat(copies()).hasSize(2).noneMatch(n -> n.contains(name("g/p1")));

        fetch(fetcher, "g/p2", project.two()); // p2 is now the most recently used
        fetch(fetcher, "g/p4", project.main());
        assertThat(copies()).hasSize(2).anyMatch(n -> n.contains(name("g/p2")))
                .anyMatch(n -> n.contains(name("g/p4")));
    }

    @Test
    void aCopyAJobHoldsIsNeverEvictedAndGoesOnceReleasedIfStillBeyondTheBound() throws Exception {
        SourceFetcher fetcher = new SourceFetcher(workRoot, Duration.ofMinutes(1), 1);
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<String> heldJob = CompletableFuture.supplyAsync(() -> {
            try {
                return fetcher.fetch(plan("g/held", 1, project.two()), new RecordingTrace(), new JobControl(),
                        sources -> {
                            holding.countDown();
                            assertThat(release.await(30, TimeUnit.SECONDS)).isTrue();
                            // what the holder reads is still its checkout after the other job's eviction pass
                            return marker(sources.directory()) + " " + Files.exists(sources.directory());
                        }).orElseThrow();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(holding.await(30, TimeUnit.SECONDS)).isTrue();

        // beyond the bound of 1: "held" is the least recently used but held, so the other copy goes instead
        fetch(fetcher, "g/other", project.main());
        assertThat(copies()).hasSize(1).allMatch(n -> n.contains(name("g/held")));

        release.countDown();
        assertThat(heldJob.get(30, TimeUnit.SECONDS)).isEqualTo("two true");
        assertThat(copies()).hasSize(1).allMatch(n -> n.contains(name("g/held")));
    }

    @Test
    void aJobWithoutAProjectPathKeepsNoWorkingCopy() throws Exception {
        SourceFetcher fetcher = new SourceFetcher(workRoot, Duration.ofMinutes(1), 5);
        long jobId = 4242;
        String seen = fetcher.fetch(plan("project-" + jobId, jobId, project.main()), new RecordingTrace(),
                new JobControl(), sources -> marker(sources.directory()) + " in " + sources.directory()).orElseThrow();

        assertThat(seen).startsWith("one in " + workRoot.toAbsolutePath().normalize().resolve(WorkRoot.SPOOL));
        assertThat(copies()).isEmpty();
        try (Stream<Path> left = Files.walk(workRoot.resolve(WorkRoot.SPOOL))) {
            assertThat(left.filter(p -> !Files.isDirectory(p)).toList()).isEmpty();
        }
        try (Stream<Path> left = Files.list(workRoot.resolve(WorkRoot.SPOOL))) {
            for (Path processSpool : left.toList()) {
                try (Stream<Path> inside = Files.list(processSpool)) {
                    assertThat(inside.toList()).as("per-job working copies left").isEmpty();
                }
            }
        }
    }

    @Test
    void theSpoolsOfDeadProcessesAreRemovedAtStartNotThoseOfLiveOnes() throws Exception {
        Path spools = workRoot.resolve(WorkRoot.SPOOL);
        Path dead = Files.createDirectories(spools.resolve(WorkRoot.spoolName(999_999_999L, Instant.EPOCH)));
        Files.writeString(dead.resolve("wr1-7-123.tar"), "left by a kill -9");
        Files.createDirectories(dead.resolve("wr1-g-p-1234abcd/.git"));
        ProcessHandle self = ProcessHandle.current();
        Path live = Files.createDirectories(spools.resolve(WorkRoot.spoolName(self.pid(),
                self.info().startInstant().orElseThrow())));
        Files.writeString(live.resolve("wr1-8-456.tar"), "a job of this process, still running");

        new SourceFetcher(workRoot);

        assertThat(dead).doesNotExist();
        assertThat(live.resolve("wr1-8-456.tar")).exists();
    }
}
