package org.cleverrunner.docker.internal.sources;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.cleverrunner.docker.DockerExecutor;
import org.cleverrunner.docker.TestDockerEngine;
import org.cleverrunner.spi.Host;
import org.cleverrunner.spi.JobContext;
import org.cleverrunner.spi.JobControl;
import org.cleverrunner.spi.JobOutcome;
import org.cleverrunner.spi.JobPlan;
import org.cleverrunner.spi.Secret;
import org.cleverrunner.testkit.GitHttpServer;
import org.cleverrunner.testkit.TwoCommitProject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jobs of one project at two commits, run at once through one DockerExecutor with GIT_STRATEGY=fetch (one working
 * copy per project is reused): each job must see exactly its own commit's tree, whatever the others check out
 * meanwhile. Prints "round N: right/run" per round.
 */
class ConcurrentSourcesIT {

    static final String TOKEN = "glcbt-64_concurrent-sources-token-7";
    static final int JOBS_PER_ROUND = 12;
    static final int ROUNDS = 3;
    static final int THREADS = 6;
    static final Pattern SEEN = Pattern.compile("SEEN MARKER=(\\S*) FILES=\\s*(\\d+) HEAD=(\\S*)");
    static final AtomicLong JOB_IDS = new AtomicLong(7_100_000 + (System.nanoTime() & 0xffff) * 100);

    @TempDir
    static Path repos;
    static GitHttpServer server;
    static TwoCommitProject project;
    static final Host HOST = new Host("local", URI.create(TestDockerEngine.dockerHost()), null, null, Map.of());

    @BeforeAll
    static void serve() throws Exception {
        project = TwoCommitProject.create(repos, "group/twins");
        server = GitHttpServer.git(repos, TOKEN);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static JobPlan plan(TwoCommitProject.Commit commit) {
        String url = server.url("group/twins").replace("://", "://gitlab-ci-token:" + TOKEN + "@");
        // as GitLab sends them: the branch's refspec and a shallow depth
        List<String> refspecs = List.of("+refs/heads/" + commit.branch() + ":refs/remotes/origin/" + commit.branch());
        return new JobPlan("concsrc", JOB_IDS.incrementAndGet(), "build-" + commit.branch(), "group/twins",
                JobPlan.ImageSpec.of(TestDockerEngine.BUSYBOX), null,
                List.of(JobPlan.Variable.masked("CI_JOB_TOKEN", TOKEN)),
                new JobPlan.SourceSpec("git", Secret.of(url), commit.sha(), commit.branch(), "branch", refspecs, 20),
                List.of("echo \"SEEN MARKER=$(cat MARKER) FILES=$(find . -path ./.git -prune -o -type f -print"
                        + " | wc -l) HEAD=$(cat .git/HEAD)\""),
                null, Duration.ofMinutes(3), null, null, null, null, null);
    }

    /** Null when the job saw its own commit, else what it saw. */
    static String check(TwoCommitProject.Commit expected, JobOutcome outcome, String log) {
        Matcher seen = SEEN.matcher(log);
        if (outcome.status() != JobOutcome.Status.SUCCESS || !seen.find()) {
            return outcome.status() + " " + outcome.message();
        }
        String got = seen.group(1) + " " + Integer.parseInt(seen.group(2)) + " " + seen.group(3);
        String want = expected.marker() + " " + expected.files() + " " + expected.sha();
        return got.equals(want) ? null : "saw " + got + ", expected " + want;
    }

    @Test
    void everyJobBuildsItsOwnCommitWhateverRunsAtTheSameTime(@TempDir Path work) throws Exception {
        DockerExecutor executor = DockerExecutor.builder().sourcesWorkRoot(work).build();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<String> problems = new ArrayList<>();
        List<String> figures = new ArrayList<>();
        try {
            for (int round = 1; round <= ROUNDS; round++) {
                List<TwoCommitProject.Commit> commits = new ArrayList<>();
                List<Future<String>> results = new ArrayList<>();
                for (int i = 0; i < JOBS_PER_ROUND; i++) {
                    TwoCommitProject.Commit commit = i % 2 == 0 ? project.main() : project.two();
                    commits.add(commit);
                    results.add(pool.submit(() -> {
                        ExecutorSourcesIT.Recorder trace = new ExecutorSourcesIT.Recorder();
                        JobOutcome outcome = executor.run(plan(commit), HOST,
                                new JobContext(trace, null, null, new JobControl()));
                        return check(commit, outcome, trace.text());
                    }));
                }
                int right = 0;
                for (int i = 0; i < results.size(); i++) {
                    String problem = results.get(i).get();
                    if (problem == null) {
                        right++;
                    } else {
                        problems.add("round " + round + ", job " + i + " (" + commits.get(i).branch() + "): "
                                + problem);
                    }
                }
                figures.add("round " + round + ": " + right + "/" + JOBS_PER_ROUND + " jobs right");
            }
        } finally {
            pool.shutdownNow();
            System.out.println("ConcurrentSourcesIT: " + String.join(", ", figures));
        }
        assertThat(problems).as(String.join("; ", figures)).isEmpty();
        try (Stream<Path> spool = Files.exists(work.resolve("spool")) ? Files.walk(work.resolve("spool"))
                : Stream.empty()) {
            assertThat(spool.filter(Files::isRegularFile).toList()).as("spool files left").isEmpty();
        }
    }
}
