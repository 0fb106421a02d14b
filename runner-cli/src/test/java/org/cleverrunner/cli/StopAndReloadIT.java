package org.cleverrunner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.cleverrunner.docker.DockerConnector;
import org.cleverrunner.spi.Host;
import org.cleverrunner.testkit.Endpoint;
import org.cleverrunner.testkit.JobBuilder;
import org.cleverrunner.testkit.JobHandle;
import org.cleverrunner.testkit.JobState;
import org.cleverrunner.testkit.JobView;
import org.cleverrunner.testkit.Jobs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code run} as a process, stopped and reloaded by signals as GitLab Runner is: SIGTERM aborts and reports, the
 * graceful signal (SIGUSR1, which the launcher makes of SIGQUIT) lets jobs finish, a second signal escalates,
 * SIGHUP and a change of the file reload the config, a broken file is refused while the old config runs on; and
 * the exit codes `run --help` lists.
 */
class StopAndReloadIT extends LocalRunFixture {

    DockerClient docker;

    StopAndReloadIT() {
        super("sigs", 7100);
    }

    @Override
    Process start(Path log, String... args) throws java.io.IOException {
        return CliProcess.startWithDefaultSignals(log, args);
    }

    @BeforeEach
    void connect() {
        String dockerHost = System.getenv().getOrDefault("DOCKER_HOST", "unix:///var/run/docker.sock");
        docker = DockerConnector.defaults().connect(new Host("local", URI.create(dockerHost), null, null, Map.of()));
    }

    @AfterEach
    void disconnect() throws Exception {
        docker.close();
    }

    @Test
    void sigtermAbortsTheRunningJobReportsItAndExitsZero() throws Exception {
        JobHandle job = enqueue(Jobs.job("aborted").script("echo started", "sleep 300").afterScript("echo AFTER"));
        awaitTrace(job, "started");

        signal("TERM");

        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as(runnerLog()).isTrue();
        assertThat(process.exitValue()).as(runnerLog()).isZero();
        JobView view = gitlab.job(job.id());
        assertThat(view.finalState()).as(view.traceText()).isEqualTo(JobState.FAILED);
        assertThat(view.failureReason()).isEqualTo("runner_system_failure");
        assertThat(view.reportedChecksum()).isEqualTo(view.traceChecksum());
        assertThat(view.traceText()).as("an aborted job runs no after_script").doesNotContain("AFTER");
        assertThat(runnerLog()).contains("forceful stop: aborting 1 running job(s)");
        assertThat(leftovers()).as("containers, networks and volumes left").isZero();
    }

    @Test
    void theGracefulSignalLetsTheRunningJobFinishWithItsAfterScriptAndTakesNoOther() throws Exception {
        JobHandle job = enqueue(Jobs.job("finishing").script("echo started", "sleep 12", "echo finished")
                .afterScript("echo AFTER-SCRIPT-RAN"));
        awaitTrace(job, "started");

        signal("USR1");
        // the engine's own line comes once it takes no job; a long poll sent before may still be out (5 s here)
        await("the graceful stop began", () -> log().contains("stopping: no new jobs"));
        Thread.sleep(6000);
        JobHandle later = enqueue(Jobs.job("not taken").script("echo no"));

        assertThat(process.waitFor(90, TimeUnit.SECONDS)).as(runnerLog()).isTrue();
        assertThat(process.exitValue()).as(runnerLog()).isZero();
        JobView view = gitlab.job(job.id());
        assertThat(view.finalState()).as(view.traceText()).isEqualTo(JobState.SUCCESS);
        assertThat(view.traceText()).contains("finished", "AFTER-SCRIPT-RAN");
        assertThat(gitlab.job(later.id()).state()).isEqualTo(JobState.PENDING);
        assertThat(leftovers()).isZero();
    }

    @Test
    void sigtermDuringAGracefulStopAbortsTheJobs() throws Exception {
        JobHandle job = enqueue(Jobs.job("long").script("echo started", "sleep 300"));
        awaitTrace(job, "started");
        signal("USR1");
        await("the graceful stop began", () -> log().contains("graceful stop: no new jobs"));
        Thread.sleep(1000);
        assertThat(process.isAlive()).as("it waits for the job").isTrue();

        signal("TERM");

        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as(runnerLog()).isTrue();
        assertThat(process.exitValue()).isZero();
        assertThat(gitlab.job(job.id()).finalState()).isEqualTo(JobState.FAILED);
        assertThat(gitlab.job(job.id()).failureReason()).isEqualTo("runner_system_failure");
        assertThat(runnerLog()).contains("forceful stop during the graceful one");
        assertThat(leftovers()).isZero();
    }

    @Test
    void aSecondSignalDuringAForcefulStopExitsAtOnceWithThreeAndTheNextStartReports() throws Exception {
        JobHandle job = enqueue(Jobs.job("unreported").script("echo started", "sleep 300"));
        awaitTrace(job, "started");
        // GitLab stops answering job updates: the aborted job's final state cannot be delivered
        gitlab.faults().next(Endpoint.JOB_UPDATE, Integer.MAX_VALUE).respond(503);
        gitlab.faults().next(Endpoint.TRACE_PATCH, Integer.MAX_VALUE).respond(503);
        signal("TERM");
        await("the forceful stop began", () -> log().contains("forceful stop: aborting"));
        Thread.sleep(2000);
        assertThat(process.isAlive()).as("waiting up to shutdown_timeout for the report").isTrue();

        long signaled = System.nanoTime();
        signal("TERM");

        assertThat(process.waitFor(15, TimeUnit.SECONDS)).as(runnerLog()).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - signaled)).isLessThan(Duration.ofSeconds(15));
        assertThat(process.exitValue()).as(runnerLog()).isEqualTo(3);
        assertThat(runnerLog()).contains("second stop signal: exiting now");

        gitlab.faults().clear();
        process = start(dir.resolve("runner-2.log"), "run", "--config", config().toString());
        JobView view = gitlab.awaitJob(job.id(), Duration.ofSeconds(60));
        assertThat(view.finalState()).isEqualTo(JobState.FAILED);
        assertThat(view.failureReason()).isEqualTo("runner_system_failure");
    }

    @Test
    void sighupAndAChangedFileReloadTheConfigAndABrokenOneIsRefused() throws Exception {
        String secondToken = "glrt-sigs2" + Long.toHexString(System.nanoTime() & 0xfffff) + "x";
        gitlab.addRunner(secondToken, Set.of("second"), false);
        JobHandle running = enqueue(Jobs.job("through the reloads").script("echo started", "sleep 45",
                "echo survived the reloads"));
        awaitTrace(running, "started");
        String original = Files.readString(config());

        // SIGHUP: a second runner and concurrent 3; the file keeps its time, so only the signal can tell
        java.nio.file.attribute.FileTime before = Files.getLastModifiedTime(config());
        Files.writeString(config(), original.replace("concurrent = 2", "concurrent = 3") + secondRunner(secondToken));
        Files.setLastModifiedTime(config(), before);
        Thread.sleep(4000);
        assertThat(log()).doesNotContain("reloaded");
        signal("HUP");
        await("the reload", () -> log().contains("reloaded (SIGHUP): concurrent = 3, 2 runner(s) (+second)"));
        JobHandle tagged = enqueue(Jobs.job("for the added runner").tags("second").script("echo second runner"));
        JobView taggedView = gitlab.awaitJob(tagged.id(), Duration.ofSeconds(60));
        assertThat(taggedView.finalState()).as(taggedView.traceText()).isEqualTo(JobState.SUCCESS);
        assertThat(taggedView.traceText()).contains("on second ");

        // a broken file, by a change alone: refused, the runner goes on as it was
        Files.writeString(config(), original + "\n[[runners]\nname = broken\n");
        await("the refusal", () -> log().contains("not reloaded (the file changed)"));
        Files.writeString(config(), original.replace("executor = \"docker\"", "executor = \"kubernetes\"")
                + secondRunner(secondToken));
        await("the second refusal", () -> log().lines().filter(line -> line.contains("not reloaded")).count() >= 2);
        assertThat(log()).contains("kubernetes");
        JobHandle stillServed = enqueue(Jobs.job("after the refusals").tags("second").script("echo still"));
        assertThat(gitlab.awaitJob(stillServed.id(), Duration.ofSeconds(60)).finalState())
                .isEqualTo(JobState.SUCCESS);

        // a change of the file alone: the first runner removed; its running job finishes all the same
        Files.writeString(config(), original.substring(0, original.indexOf("[[runners]]"))
                + secondRunner(secondToken));
        await("the reload by file change", () -> log().contains("reloaded (the file changed)")
                && log().contains("1 runner(s) (-sigs)"));
        assertThat(gitlab.job(running.id()).state()).as("removed while its job runs").isEqualTo(JobState.RUNNING);
        // a job request the removed runner sent before the reload may still bring a job (which it then runs):
        // past the long poll (5 s here), none is in flight
        Thread.sleep(6000);
        JobHandle orphan = enqueue(Jobs.job("for the removed runner").script("echo no"));
        JobView runningView = gitlab.awaitJob(running.id(), Duration.ofSeconds(60));
        assertThat(runningView.finalState()).as(runningView.traceText()).isEqualTo(JobState.SUCCESS);
        assertThat(runningView.traceText()).contains("survived the reloads");
        Thread.sleep(2000);
        assertThat(gitlab.job(orphan.id()).state()).isEqualTo(JobState.PENDING);
        assertThat(process.isAlive()).isTrue();
    }

    private String secondRunner(String token) {
        return "\n[[runners]]\nname = \"second\"\nurl = \"" + gitlab.url() + "\"\ntoken = \"" + token + "\"\nexecutor = \"docker\"\n"
                + "[runners.docker]\nimage = \"" + IMAGE + "\"\n";
    }

    private Path config() {
        return dir.resolve("config.toml");
    }

    private JobHandle enqueue(JobBuilder job) {
        return gitlab.enqueue(job.image(IMAGE).variable("GIT_STRATEGY", "none"));
    }

    private String log() {
        try {
            return runnerLog();
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private void signal(String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        assertThat(kill.waitFor()).isZero();
    }

    private void awaitTrace(JobHandle job, String text) throws Exception {
        await("job " + job.id() + " printed " + text, () -> gitlab.traceText(job.id()).contains(text));
    }

    private void await(String what, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                org.assertj.core.api.Assertions.fail("not seen within 60 s: " + what + "\nrunner log:\n" + log());
            }
            Thread.sleep(100);
        }
    }

    private int leftovers() throws Exception {
        String key = CliProcess.hostKey(config(), "sigs", dir.resolve("journal.json"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        int count;
        do {
            Map<String, String> labels = Map.of("org.cleverrunner.runner", key);
            List<String> filter = List.of("org.cleverrunner.runner=" + key);
            count = docker.listContainersCmd().withShowAll(true).withLabelFilter(labels).exec().size()
                    + docker.listNetworksCmd().withFilter("label", filter).exec().size()
                    + docker.listVolumesCmd().withFilter("label", filter).exec().getVolumes().size();
            if (count > 0) {
                Thread.sleep(200);
            }
        } while (count > 0 && System.nanoTime() < deadline);
        return count;
    }
}
