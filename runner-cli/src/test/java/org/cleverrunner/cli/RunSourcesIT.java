package org.cleverrunner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cleverrunner.testkit.FakeCoordinator;
import org.cleverrunner.testkit.GitHttpServer;
import org.cleverrunner.testkit.JobHandle;
import org.cleverrunner.testkit.JobState;
import org.cleverrunner.testkit.JobView;
import org.cleverrunner.testkit.Jobs;
import org.cleverrunner.testkit.TwoCommitProject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * As a user runs it: the CLI's {@code run} as a process, the fake GitLab over HTTP handing out jobs of one project
 * at two commits with git_info as GitLab sends it, the repository served over smart HTTP behind the job tokens,
 * {@code concurrent = 6}. Every job must build its own commit, in every round. Prints "round N: right/run".
 */
class RunSourcesIT {

    static final String IMAGE = "clever-runner/busybox:latest";
    static final String TOKEN = "glrt-runsrc" + Long.toHexString(System.nanoTime() & 0xfffff) + "x";
    // CI runs 12 jobs x 2 rounds at concurrent = 6; a load run can ask for more, e.g.
    // -Dcr.sources.jobs=50 -Dcr.sources.rounds=1 -Dcr.sources.concurrent=8
    static final int JOBS_PER_ROUND = Integer.getInteger("cr.sources.jobs", 12);
    static final int ROUNDS = Integer.getInteger("cr.sources.rounds", 2);
    static final int CONCURRENT = Integer.getInteger("cr.sources.concurrent", 6);
    static final Pattern SEEN = Pattern.compile("SEEN MARKER=(\\S*) FILES=\\s*(\\d+) HEAD=(\\S*)");

    @TempDir
    Path dir;
    FakeCoordinator gitlab;
    GitHttpServer repositories;
    TwoCommitProject project;
    Process process;

    @BeforeEach
    void start() throws IOException {
        gitlab = FakeCoordinator.builder().longPollTimeout(Duration.ofSeconds(5))
                .traceUpdateInterval(Duration.ofSeconds(1)).start();
        gitlab.addRunner(TOKEN, Set.of(), true);
        Path served = Files.createDirectories(dir.resolve("served"));
        project = TwoCommitProject.create(served, "group/twins");
        // the fake GitLab gives every job a token of its own, embedded in repo_url as GitLab does
        repositories = GitHttpServer.git(served, token -> token.startsWith("glcbt-"));
    }

    @AfterEach
    void stop() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        gitlab.close();
        repositories.close();
    }

    Process startRunner() throws IOException {
        Path config = CliProcess.writeConfig(dir.resolve("config.toml"), CONCURRENT, "sources", gitlab.url(), TOKEN,
                CliProcess.journal(dir.resolve("journal.json")), "");
        // a private TMPDIR: the working copies ($TMPDIR/clever-runner-sources) are this test's alone
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        return CliProcess.start(dir.resolve("runner.log"), List.of("-Djava.io.tmpdir=" + tmp), "run", "--config",
                config.toString());
    }

    String runnerLog() throws IOException {
        return CliProcess.read(dir.resolve("runner.log"));
    }

    JobHandle enqueue(int round, int i, TwoCommitProject.Commit commit) {
        return gitlab.enqueue(Jobs.job("build-" + round + "-" + i).image(IMAGE)
                .project(4711, "group/twins")
                .repoUrl(repositories.url("group/twins"))
                .sha(commit.sha())
                .ref(commit.branch())
                .refspecs("+refs/heads/" + commit.branch() + ":refs/remotes/origin/" + commit.branch())
                .depth(20)
                .script("echo \"SEEN MARKER=$(cat MARKER) FILES=$(find . -path ./.git -prune -o -type f -print"
                        + " | wc -l) HEAD=$(cat .git/HEAD)\""));
    }

    @Test
    void twelveJobsAtTwoCommitsSixAtATimeEachBuildItsOwnCommitInEveryRound() throws Exception {
        process = startRunner();
        List<String> problems = new ArrayList<>();
        List<String> figures = new ArrayList<>();
        try {
            for (int round = 1; round <= ROUNDS; round++) {
                List<JobHandle> jobs = new ArrayList<>();
                List<TwoCommitProject.Commit> commits = new ArrayList<>();
                for (int i = 0; i < JOBS_PER_ROUND; i++) {
                    TwoCommitProject.Commit commit = i % 2 == 0 ? project.main() : project.two();
                    commits.add(commit);
                    jobs.add(enqueue(round, i, commit));
                }
                int right = 0;
                for (int i = 0; i < jobs.size(); i++) {
                    JobView view = gitlab.awaitJob(jobs.get(i).id(), Duration.ofSeconds(300));
                    TwoCommitProject.Commit want = commits.get(i);
                    String log = view.traceText();
                    Matcher seen = SEEN.matcher(log);
                    String problem;
                    if (view.finalState() != JobState.SUCCESS || !seen.find()) {
                        problem = view.finalState() + " " + view.failureReason() + ": "
                                + log.substring(Math.max(0, log.length() - 400));
                    } else {
                        String got = seen.group(1) + " " + Integer.parseInt(seen.group(2)) + " " + seen.group(3);
                        String expected = want.marker() + " " + want.files() + " " + want.sha();
                        problem = got.equals(expected) ? null : "saw " + got + ", expected " + expected;
                    }
                    if (problem == null) {
                        right++;
                    } else {
                        problems.add("round " + round + ", job " + i + " (" + want.branch() + "): " + problem);
                    }
                }
                figures.add("round " + round + ": " + right + "/" + JOBS_PER_ROUND + " jobs right");
            }
        } finally {
            System.out.println("RunSourcesIT: " + String.join(", ", figures));
        }
        assertThat(problems).as(String.join("; ", figures) + "\nrunner log:\n" + runnerLog()).isEmpty();
        try (var left = Files.walk(dir.resolve("tmp"))) {
            assertThat(left.filter(p -> p.toString().contains("/spool/") && Files.isRegularFile(p)).toList())
                    .as("spool files left").isEmpty();
        }
        assertThat(runnerLog()).doesNotContain(TOKEN);
    }
}
