package org.cleverrunner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.cleverrunner.docker.DockerConnector;
import org.cleverrunner.spi.Host;
import org.cleverrunner.testkit.Endpoint;
import org.cleverrunner.testkit.FakeCoordinator;
import org.cleverrunner.testkit.JobBuilder;
import org.cleverrunner.testkit.JobHandle;
import org.cleverrunner.testkit.JobState;
import org.cleverrunner.testkit.JobView;
import org.cleverrunner.testkit.Jobs;
import org.cleverrunner.testkit.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The final state is a durable fact, and one process owns a runner's state: {@code run} as a process from the
 * runnable jar, against the fake GitLab over HTTP on real Docker, killed with SIGKILL before, during and after
 * final updates, then restarted on the same config (also while the coordinator is down or answers 202); a second
 * {@code run} and {@code reap} on a config a live run holds.
 */
class DurableFinalStateIT {

    static final String IMAGE = "clever-runner/busybox:latest";
    static final String TOKEN = "glrt-durab" + Long.toHexString(System.nanoTime() & 0xfffff) + "x";
    static final String STOPPED_LINE = "the runner stopped while this job ran";

    @TempDir
    Path dir;
    FakeCoordinator gitlab;
    final List<Process> processes = new ArrayList<>();
    DockerClient docker;
    String shortId; // the runner's host key, in its resources' names and labels
    int logs;

    @BeforeEach
    void start() {
        gitlab = FakeCoordinator.builder().longPollTimeout(Duration.ofSeconds(5))
                .traceUpdateInterval(Duration.ofSeconds(1))
                .firstJobId(4_100_000 + ThreadLocalRandom.current().nextInt(100_000) * 10L).start();
        gitlab.addRunner(TOKEN, Set.of(), true);
        String dockerHost = System.getenv().getOrDefault("DOCKER_HOST", "unix:///var/run/docker.sock");
        docker = DockerConnector.defaults().connect(new Host("local", URI.create(dockerHost), null, null, Map.of()));
        shortId = CliProcess.hostKey(dir.resolve("config.toml"), "durable", dir.resolve("journal.json"));
    }

    @AfterEach
    void stop() throws Exception {
        for (Process process : processes) {
            if (process.isAlive()) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        Main.execute("reap", "--force", "--config", dir.resolve("config.toml").toString());
        gitlab.close();
        docker.close();
    }

    Path config() throws IOException {
        return CliProcess.writeConfig(dir.resolve("config.toml"), 4, "durable", gitlab.url(), TOKEN,
                CliProcess.journal(dir.resolve("journal.json")), "");
    }

    /** A process of the runnable jar; its output goes to runner-N.log. */
    Process cli(String... args) throws IOException {
        Process process = CliProcess.start(dir.resolve("runner-" + (++logs) + ".log"), args);
        processes.add(process);
        return process;
    }

    Process run() throws IOException {
        return cli("run", "--config", config().toString());
    }

    String logsText() throws IOException {
        StringBuilder all = new StringBuilder();
        for (int i = 1; i <= logs; i++) {
            Path log = dir.resolve("runner-" + i + ".log");
            if (Files.exists(log)) {
                all.append("--- runner-").append(i).append(".log\n").append(Files.readString(log));
            }
        }
        return all.toString();
    }

    JobHandle enqueue(JobBuilder job) {
        return gitlab.enqueue(job.image(IMAGE).variable("GIT_STRATEGY", "none"));
    }

    /** Final PUTs (success or failed) the coordinator received for a job. */
    long finalUpdates(JobHandle job) {
        return gitlab.requests(Endpoint.JOB_UPDATE).stream()
                .filter(r -> r.path().endsWith("/jobs/" + job.id()))
                .map(RecordedRequest::bodyText)
                .filter(body -> body.contains("\"success\"") || body.contains("\"failed\""))
                .count();
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() < deadline).as("timed out waiting: " + what).isTrue();
            Thread.sleep(50);
        }
    }

    void awaitOutput(JobHandle job, String text) throws InterruptedException {
        await("job " + job.id() + " to print " + text, Duration.ofSeconds(60),
                () -> gitlab.traceText(job.id()).contains(text));
    }

    /** The job in GitLab: this state, the whole trace, and the checksum and size of exactly that trace. */
    JobView assertEnded(JobHandle job, JobState state, Duration timeout) throws IOException {
        JobView view;
        try {
            view = gitlab.awaitJob(job.id(), timeout);
        } catch (RuntimeException e) {
            throw new AssertionError("job " + job.id() + " is still " + gitlab.job(job.id()).state() + "\n"
                    + gitlab.traceText(job.id()) + "\n" + logsText(), e);
        }
        String what = "job " + job.id() + " (" + view.name() + "): " + view.traceText() + "\n" + logsText();
        assertThat(view.finalState()).as(what).isEqualTo(state);
        assertThat(view.reportedChecksum()).as("checksum of the whole trace, " + what).isEqualTo(view.traceChecksum());
        assertThat(view.reportedBytesize()).as(what).isEqualTo((long) view.trace().length);
        return view;
    }

    static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    void kill(Process process) throws InterruptedException {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL: nothing runs after it
    }

    void assertJournalSettled() throws Exception {
        Path journal = dir.resolve("journal.json");
        await("the journal to hold no job", Duration.ofSeconds(30), () -> {
            try {
                return !Files.exists(journal) || !Files.readString(journal).contains("\"jobId\"");
            } catch (IOException e) {
                return false;
            }
        });
        Path traces = dir.resolve("traces");
        await("the trace spools to be removed", Duration.ofSeconds(10), () -> {
            try (Stream<Path> files = Files.exists(traces) ? Files.list(traces) : Stream.empty()) {
                return files.findAny().isEmpty();
            } catch (IOException e) {
                return false;
            }
        });
    }

    @Test
    void killedBeforeDuringAndAfterTheFinalUpdateEveryJobKeepsItsRealState() throws Exception {
        // during: final PUTs answered 202 (trace still archiving) long enough to be killed in that window
        JobHandle succeeded = enqueue(Jobs.job("succeeded").script("echo the work is done").archiveFinalUpdates(8));
        JobHandle failed = enqueue(Jobs.job("failed").script("echo failing for real", "exit 3")
                .archiveFinalUpdates(8));
        // before: still running when killed
        JobHandle running = enqueue(Jobs.job("running").script("echo still running", "sleep 300"));
        // after: delivered before the kill
        JobHandle delivered = enqueue(Jobs.job("delivered").script("echo delivered before the kill"));
        Process first = run();

        assertEnded(delivered, JobState.SUCCESS, Duration.ofSeconds(60));
        awaitOutput(running, "still running");
        await("both final states sent and answered 202", Duration.ofSeconds(60),
                () -> finalUpdates(succeeded) >= 1 && finalUpdates(failed) >= 1);
        assertThat(gitlab.job(succeeded.id()).state()).isEqualTo(JobState.RUNNING);
        kill(first);
        boolean staleLockFile = Files.exists(dir.resolve("journal.json.lock"));

        run(); // on the dead run's lock file, if any: it must not block // the coordinator still answers 202 a few times for the two jobs in their final-update window

        JobView success = assertEnded(succeeded, JobState.SUCCESS, Duration.ofSeconds(60));
        assertThat(success.traceText()).contains("the work is done").doesNotContain(STOPPED_LINE);
        JobView failure = assertEnded(failed, JobState.FAILED, Duration.ofSeconds(30));
        assertThat(failure.failureReason()).isEqualTo("script_failure");
        assertThat(failure.exitCode()).isEqualTo(3);
        assertThat(failure.traceText()).contains("failing for real").doesNotContain(STOPPED_LINE);
        JobView abandoned = assertEnded(running, JobState.FAILED, Duration.ofSeconds(30));
        assertThat(abandoned.failureReason()).isEqualTo("runner_system_failure");
        assertThat(abandoned.traceText()).contains("still running");
        assertThat(count(abandoned.traceText(), STOPPED_LINE)).as("one clear line").isEqualTo(1);
        JobView after = assertEnded(delivered, JobState.SUCCESS, Duration.ofSeconds(1));
        assertThat(after.traceText()).doesNotContain(STOPPED_LINE);
        assertJournalSettled();
        assertThat(logsText()).doesNotContain(TOKEN);
        assertThat(staleLockFile).as("the killed run left its lock file, which did not block").isTrue();
    }

    @Test
    void aCoordinatorDownAtRestartGetsTheFinalStatesWhenItIsBackAlsoAcrossAFurtherRestart() throws Exception {
        JobHandle succeeded = enqueue(Jobs.job("succeeded").script("echo success before an outage")
                .archiveFinalUpdates(6));
        JobHandle running = enqueue(Jobs.job("running").script("echo running before an outage", "sleep 300"));
        Process first = run();
        awaitOutput(running, "running before an outage");
        await("the final state sent and answered 202", Duration.ofSeconds(60), () -> finalUpdates(succeeded) >= 1);
        kill(first);

        // the coordinator's job endpoints are down while the runner restarts
        for (Endpoint endpoint : List.of(Endpoint.JOB_UPDATE, Endpoint.TRACE_PATCH, Endpoint.JOB_REQUEST)) {
            gitlab.faults().next(endpoint, Integer.MAX_VALUE).respond(503);
        }
        Process second = run();
        Thread.sleep(6_000);
        assertThat(gitlab.job(succeeded.id()).state()).isEqualTo(JobState.RUNNING);
        assertThat(gitlab.job(running.id()).state()).isEqualTo(JobState.RUNNING);
        assertThat(Files.readString(dir.resolve("journal.json"))).as("both kept for later")
                .contains("\"jobId\" : " + succeeded.id()).contains("\"jobId\" : " + running.id());
        kill(second); // and a further crash while it is still down

        run();
        Thread.sleep(2_000);
        gitlab.faults().clear(); // the coordinator is back

        JobView success = assertEnded(succeeded, JobState.SUCCESS, Duration.ofSeconds(70));
        assertThat(success.traceText()).contains("success before an outage").doesNotContain(STOPPED_LINE);
        JobView abandoned = assertEnded(running, JobState.FAILED, Duration.ofSeconds(30));
        assertThat(abandoned.failureReason()).isEqualTo("runner_system_failure");
        assertThat(count(abandoned.traceText(), STOPPED_LINE)).as("one clear line").isEqualTo(1);
        assertJournalSettled();
    }

    @Test
    void aSecondRunRefusesAndReapWaitsForForce() throws Exception {
        JobHandle live = enqueue(Jobs.job("live").script("echo live job", "sleep 300"));
        Process first = run();
        awaitOutput(live, "live job");

        Process second = run();
        assertThat(second.waitFor(30, TimeUnit.SECONDS)).as("the second run stops by itself\n" + logsText()).isTrue();
        assertThat(second.exitValue()).isEqualTo(1);
        assertThat(Files.readString(dir.resolve("runner-2.log"), StandardCharsets.UTF_8))
                .contains("pid " + first.pid()).contains("journal");

        Process status = cli("status", "--config", config().toString());
        assertThat(status.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(status.exitValue()).isZero();
        assertThat(Files.readString(dir.resolve("runner-3.log"))).contains("clever-runner: running (pid "
                + first.pid());

        Process reap = cli("reap", "--config", config().toString());
        assertThat(reap.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(reap.exitValue()).as(logsText()).isEqualTo(1);
        assertThat(Files.readString(dir.resolve("runner-4.log"))).contains("pid " + first.pid()).contains("--force");
        Thread.sleep(1_500);
        assertThat(gitlab.job(live.id()).state()).as("the live job is untouched\n" + logsText())
                .isEqualTo(JobState.RUNNING);
        assertThat(first.isAlive()).isTrue();
        assertThat(gitlab.traceText(live.id())).doesNotContain(STOPPED_LINE);

        Process forced = cli("reap", "--force", "--config", config().toString());
        assertThat(forced.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(forced.exitValue()).as(logsText()).isZero();
        assertThat(Files.readString(dir.resolve("runner-5.log"))).contains("removed");
        gitlab.awaitJob(live.id(), Duration.ofSeconds(60)); // its container is gone: the job ends
    }
}
