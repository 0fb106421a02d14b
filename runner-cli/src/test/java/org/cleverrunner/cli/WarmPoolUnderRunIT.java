package org.cleverrunner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cleverrunner.clevercloud.CleverCloudAuthentication;
import org.cleverrunner.testkit.FakeCoordinator;
import org.cleverrunner.testkit.GitHttpServer;
import org.cleverrunner.testkit.JobHandle;
import org.cleverrunner.testkit.JobState;
import org.cleverrunner.testkit.JobView;
import org.cleverrunner.testkit.Jobs;
import org.cleverrunner.testkit.Programs;
import org.cleverrunner.testkit.RunnerHandle;
import org.cleverrunner.testkit.TwoCommitProject;
import org.cleverrunner.testkit.clevercloud.CleverCloudSimulator;
import org.cleverrunner.testkit.clevercloud.SimulatedApplication;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The warm pool under {@code run}, the CLI as a process, config.toml's {@code [runners.autoscaler]} as GitLab
 * Runner writes it, on the Clever Cloud simulator (VMs that take 2 s to boot, gateways on loopback): spares are up
 * before the jobs come, jobs start on them at once, a VM never serves two projects, and no VM is left when the
 * runner stops, nor after a kill -9 and a restart.
 */
class WarmPoolUnderRunIT {

    static final String IMAGE = "clever-runner/busybox:latest";
    static final String TOKEN = "clever-oauth-token-for-pool-tests";
    static final String SECRET = "clever-oauth-secret-for-pool-tests";
    static final Pattern HOST_LINE = Pattern.compile("Host (app_[0-9a-f-]+) ready after ([0-9.]+) s(?: \\(([^)]*)\\))?");

    @TempDir
    Path dir;
    FakeCoordinator gitlab;
    RunnerHandle runner;
    CleverCloudSimulator clever;
    Process process;
    final LoopbackVms vms = new LoopbackVms();

    @BeforeEach
    void start() {
        gitlab = FakeCoordinator.builder().longPollTimeout(Duration.ofSeconds(2)).start();
        runner = gitlab.addRunner("glrt-warmpool0001", Set.of(), true);
        clever = CleverCloudSimulator.builder().oauth(CleverCloudAuthentication.CLEVER_TOOLS_CONSUMER_KEY,
                CleverCloudAuthentication.CLEVER_TOOLS_CONSUMER_SECRET, TOKEN, SECRET)
                .bootTime(Duration.ofSeconds(2)).workDir(dir.resolve("clever")).launcher(vms.launcher()).start();
    }

    @AfterEach
    void stop() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        clever.close();
        vms.close();
        gitlab.close();
    }

    Path config() throws Exception {
        return config(dir, runner.token(), 2);
    }

    /** A config in {@code base} (its journal beside it) for the runner token {@code token}. */
    Path config(Path base, String token) throws Exception {
        return config(base, token, 2);
    }

    /** The same with {@code idle} idle VMs of the default flavor kept at all times. */
    Path config(Path base, String token, int idle) throws Exception {
        Files.createDirectories(base);
        Path jar = Files.writeString(dir.resolve("docker-gateway.jar"), "stands for the gateway jar");
        Path config = base.resolve("config.toml");
        Files.writeString(config, "concurrent = 4\ncheck_interval = 1\nshutdown_timeout = 30\n"
                + "journal = \"" + base.resolve("journal.json") + "\"\n\n[[runners]]\nname = \"clever\"\n"
                + "url = \"" + gitlab.url() + "\"\ntoken = \"" + token + "\"\n"
                + "executor = \"docker\"\nprovisioner = \"clever-cloud\"\n"
                + "[runners.docker]\nimage = \"" + IMAGE + "\"\n"
                + "[runners.autoscaler]\nmax_instances = 6\nmax_use_count = 10\nreuse_scope = \"project\"\n"
                + "[[runners.autoscaler.policy]]\nidle_count = " + idle + "\nidle_time = \"1m\"\nperiods = [\"* * * * *\"]\n"
                + "[runners.provisioners.clever-cloud]\n"
                + "organisation = \"" + clever.organisationId() + "\"\n"
                + "api-url = \"" + clever.url() + "\"\n"
                + "token = \"" + TOKEN + "\"\nsecret = \"" + SECRET + "\"\n"
                + "endpoint-scheme = \"http\"\n"
                + "gateway-jar = \"" + jar + "\"\n"
                + "poll-interval = \"200ms\"\n");
        return config;
    }

    Process startRunner(Path config) throws Exception {
        return CliProcess.start(config.resolveSibling("runner.log"), "run", "--config", config.toString());
    }

    /** The live applications whose names carry the host key of the runner "clever" of {@code config}. */
    List<String> applicationsOf(Path config) {
        String key = CliProcess.hostKey(config, "clever", config.resolveSibling("journal.json"));
        return clever.applications().stream().filter(app -> !app.deleted() && app.name().contains("-" + key + "-"))
                .map(SimulatedApplication::id).toList();
    }

    void awaitRunningApplications(int count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline && clever.applications().stream().filter(app -> app.endpoint()
                .isPresent()).count() < count) {
            Thread.sleep(100);
        }
    }

    @Test
    void sparesTakeTheFirstJobsAtOnceAndAVmNeverServesTwoProjects() throws Exception {
        process = startRunner(config());
        awaitRunningApplications(2);
        assertThat(clever.applications()).as(CliProcess.read(dir.resolve("runner.log"))).hasSize(2);
        // give the two spares' gateways their first ping
        Thread.sleep(1000);

        List<JobHandle> jobs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            jobs.add(gitlab.enqueue(Jobs.job("a-" + i).project(11, "octobus/a").image(IMAGE)
                    .variable("GIT_STRATEGY", "none").script("echo project a", "sleep 2")));
        }
        jobs.add(gitlab.enqueue(Jobs.job("b").project(12, "other/b").image(IMAGE).variable("GIT_STRATEGY", "none")
                .script("echo project b", "sleep 2")));

        Map<String, String> projectOfHost = new HashMap<>();
        int warm = 0;
        for (JobHandle job : jobs) {
            JobView view = gitlab.awaitJob(job.id(), Duration.ofSeconds(120));
            assertThat(view.finalState()).as(view.traceText() + CliProcess.read(dir.resolve("runner.log")))
                    .isEqualTo(JobState.SUCCESS);
            Matcher line = HOST_LINE.matcher(view.traceText());
            assertThat(line.find()).as(view.traceText()).isTrue();
            String project = view.traceText().contains("project a") ? "a" : "b";
            String previous = projectOfHost.putIfAbsent(line.group(1), project);
            assertThat(previous).as("VM " + line.group(1) + " served project " + previous + " then " + project)
                    .isIn(null, project);
            if (line.group(3) != null && (line.group(3).startsWith("a warm VM")
                    || line.group(3).startsWith("a spare"))) {
                warm++;
                assertThat(Double.parseDouble(line.group(2))).as("a warm start: " + line.group()).isLessThan(1.0);
            }
        }
        assertThat(warm).as("the two spares took two jobs at once").isGreaterThanOrEqualTo(2);
        assertThat(clever.applications().size()).isLessThanOrEqualTo(6);

        // project a's next job gets one of a's kept VMs, checked clean of its previous job
        JobView again = gitlab.awaitJob(gitlab.enqueue(Jobs.job("a-again").project(11, "octobus/a").image(IMAGE)
                .variable("GIT_STRATEGY", "none").script("echo project a again")).id(), Duration.ofSeconds(120));
        assertThat(again.finalState()).as(again.traceText()).isEqualTo(JobState.SUCCESS);
        Matcher reused = HOST_LINE.matcher(again.traceText());
        assertThat(reused.find()).as(again.traceText()).isTrue();
        assertThat(reused.group(3)).as(again.traceText()).startsWith("a warm VM, use ");
        assertThat(projectOfHost.get(reused.group(1))).as("the VM " + reused.group(1) + " served project a")
                .isEqualTo("a");

        // a pool VM's job is told the time it used; the VM's whole life is billed once, when the pool deletes it
        assertThat(again.traceText()).containsPattern("Host " + reused.group(1) + ": flavor M, used [0-9]+ s by this"
                + " job \\(a warm pool VM");
        process.destroy(); // SIGTERM: the runner stops, and its pool with it
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        clever.awaitNoApplications(Duration.ofSeconds(30));
        String log = CliProcess.read(dir.resolve("runner.log"));
        assertThat(log).doesNotContain(TOKEN, SECRET);
        Matcher ends = Pattern.compile("the M VM " + Pattern.quote(reused.group(1)) + " ends: up [0-9]+ s, billed"
                + " [0-9]+ s, ([0-9]+) job\\(s\\) used it [0-9]+ s, idle [0-9]+ s").matcher(log);
        assertThat(ends.find()).as(log).isTrue();
        assertThat(Integer.parseInt(ends.group(1))).as("project a's jobs on it").isGreaterThanOrEqualTo(2);
    }

    @Test
    void theNextJobOfAProjectOnItsReusedVmFetchesOnlyTheNewCommit() throws Exception {
        Path served = Files.createDirectories(dir.resolve("served"));
        TwoCommitProject project = TwoCommitProject.create(served, "octobus/fetched");
        try (GitHttpServer repositories = GitHttpServer.git(served, token -> token.startsWith("glcbt-"))) {
            // a private TMPDIR: the runner host's working copies are this test's alone
            Path tmp = Files.createDirectories(dir.resolve("tmp"));
            process = CliProcess.start(dir.resolve("runner.log"), List.of("-Djava.io.tmpdir=" + tmp), "run",
                    "--config", config().toString());
            awaitRunningApplications(2);
            Thread.sleep(1000); // the spares' first ping

            long before = repositories.bytesServed();
            JobView first = fetchJob(repositories, "first", project.main().sha());
            long cloned = repositories.bytesServed() - before;

            // one new commit on main: a changed MARKER
            Path work = Files.createTempDirectory(dir, "push-");
            Programs.git(work, "clone", "-q", "-b", "main", project.bare().toString(), ".");
            Files.writeString(work.resolve("MARKER"), "three\n");
            Programs.git(work, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-am",
                    "MARKER=three");
            Programs.git(work, "push", "-q", "origin", "main");
            String next = Programs.git(work, "rev-parse", "HEAD");

            before = repositories.bytesServed();
            JobView second = fetchJob(repositories, "second", next);
            long fetched = repositories.bytesServed() - before;

            Matcher firstHost = HOST_LINE.matcher(first.traceText());
            Matcher secondHost = HOST_LINE.matcher(second.traceText());
            assertThat(firstHost.find() && secondHost.find()).isTrue();
            assertThat(secondHost.group(1)).as("the project's VM, reused\n" + CliProcess.read(dir.resolve("runner.log")))
                    .isEqualTo(firstHost.group(1));
            assertThat(secondHost.group(3)).startsWith("a warm VM, use 2");
            assertThat(second.traceText()).contains("SEEN MARKER=three FILES=500 HEAD=" + next);
            System.out.printf("WarmPoolUnderRunIT: sources served for the first job (clone) %,d bytes, for the next"
                    + " job on the reused VM (one new commit) %,d bytes%n", cloned, fetched);
            assertThat(fetched).as("bytes of the second fetch against the clone's " + cloned)
                    .isLessThan(cloned / 10);
        }
    }

    private JobView fetchJob(GitHttpServer repositories, String name, String sha) {
        JobView view = gitlab.awaitJob(gitlab.enqueue(Jobs.job(name).project(21, "octobus/fetched").image(IMAGE)
                .repoUrl(repositories.url("octobus/fetched")).sha(sha).ref("main")
                .refspecs("+refs/heads/main:refs/remotes/origin/main").depth(20)
                .script("echo \"SEEN MARKER=$(cat MARKER) FILES=$(find . -path ./.git -prune -o -type f -print"
                        + " | wc -l) HEAD=$(cat .git/HEAD)\"")).id(), Duration.ofSeconds(120));
        assertThat(view.finalState()).as(view.traceText()).isEqualTo(JobState.SUCCESS);
        return view;
    }

    @Test
    void aSecondManagerSharingTheTokenPrunesNoneOfTheFirstsVmsAndARotatedTokenLeavesNoneBehind() throws Exception {
        Path first = config(dir.resolve("first"), runner.token());
        process = startRunner(first);
        awaitRunningApplications(2);
        Thread.sleep(1000); // the spares' first ping
        JobHandle busy = gitlab.enqueue(Jobs.job("busy").project(11, "octobus/a").image(IMAGE)
                .variable("GIT_STRATEGY", "none").script("echo busy on the first manager", "sleep 10"));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!gitlab.traceText(busy.id()).contains("busy on the first manager") && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        List<String> firsts = applicationsOf(first);
        assertThat(firsts).as(CliProcess.read(first.resolveSibling("runner.log"))).hasSizeGreaterThanOrEqualTo(2);

        // another runner manager with the same runner token (its own config and journal): its reaper, at start
        // and every cycle, must take none of the first one's VMs for its own leftovers
        Path second = config(dir.resolve("second"), runner.token());
        Process other = startRunner(second);
        try {
            deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (applicationsOf(second).size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(applicationsOf(second)).as(CliProcess.read(second.resolveSibling("runner.log"))).hasSize(2);
            Matcher busyHost = HOST_LINE.matcher(gitlab.traceText(busy.id()));
            assertThat(busyHost.find()).isTrue();
            assertThat(applicationsOf(first)).as("the VM running the first manager's job").contains(busyHost.group(1));
            JobView view = gitlab.awaitJob(busy.id(), Duration.ofSeconds(60));
            assertThat(view.finalState()).as(view.traceText()).isEqualTo(JobState.SUCCESS);
            // the second manager's reaper (at its start and each cycle) took none of the first's VMs for its own;
            // the first's pool may replace its own spares meanwhile, which is why its log, not the list, says it
            String secondLog = CliProcess.read(second.resolveSibling("runner.log"));
            for (String app : firsts) {
                assertThat(secondLog).as("the second manager released the first's " + app).doesNotContain(app);
            }
        } finally {
            other.destroy();
            assertThat(other.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }
        deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!applicationsOf(second).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(applicationsOf(second)).as("the second manager took its own pool along").isEmpty();
        assertThat(applicationsOf(first)).as("and left the first's").isNotEmpty();

        // the first manager dies, its token is rotated (GitLab and config.toml), and it starts again
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        List<String> orphans = applicationsOf(first);
        assertThat(orphans).isNotEmpty();
        RunnerHandle rotated = gitlab.addRunner("glrt-warmpool0002", Set.of(), true);
        process = startRunner(config(dir.resolve("first"), rotated.token()));
        deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (applicationsOf(first).stream().anyMatch(orphans::contains) && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(applicationsOf(first)).as("the VMs of the run before the rotation are its own, reaped")
                .doesNotContainAnyElementsOf(orphans);
        process.destroy();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        clever.awaitNoApplications(Duration.ofSeconds(30));
    }

    @Test
    void killDashNineWithAPoolOfFourThenRestartDeletesTheOldPoolsVmsAtOnce() throws Exception {
        Path config = config(dir, runner.token(), 4);
        process = startRunner(config);
        awaitRunningApplications(4);
        List<String> before = clever.applications().stream().map(SimulatedApplication::id).toList();
        assertThat(before).hasSize(4);

        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        long restarted = System.nanoTime();
        process = startRunner(config);

        // the restarted runner reaps at start (its first reaper cycle) what no job holds: the dead pool's VMs; its
        // own pool comes up anew
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline && clever.applications().stream().anyMatch(app -> before.contains(
                app.id()))) {
            Thread.sleep(200);
        }
        assertThat(clever.applications()).as(CliProcess.read(dir.resolve("runner.log")))
                .noneMatch(app -> before.contains(app.id()));
        System.out.printf("WarmPoolUnderRunIT: the 4 VMs of the killed run's pool were deleted %.1f s after the"
                + " restart%n", (System.nanoTime() - restarted) / 1e9);
        awaitRunningApplications(4);
        assertThat(clever.applications()).hasSize(4);
        process.destroy();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        clever.awaitNoApplications(Duration.ofSeconds(30));
    }
}
