package org.cleverrunner.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.cleverrunner.coordinator.CoordinatorClient;
import org.cleverrunner.coordinator.FinalUpdatePolicy;
import org.cleverrunner.coordinator.JobRequest;
import org.cleverrunner.coordinator.JobRequestResult;
import org.cleverrunner.coordinator.JobUpdate;
import org.cleverrunner.http.RetryPolicy;
import org.cleverrunner.coordinator.TraceBuffer;
import org.cleverrunner.coordinator.payload.JobPayload;
import org.cleverrunner.testkit.Endpoint;
import org.cleverrunner.testkit.FakeCoordinator;
import org.cleverrunner.testkit.JobHandle;
import org.cleverrunner.testkit.JobState;
import org.cleverrunner.testkit.JobView;
import org.cleverrunner.testkit.Jobs;
import org.cleverrunner.testkit.RunnerHandle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a crashed run left in the journal, sent by the next start exactly as it was decided: against the fake GitLab
 * over HTTP, with the coordinator answering 202, down, or refusing; the journal entry and the spool go only once
 * the state is delivered or refused.
 */
class RecoveryTest {

    static final FinalUpdatePolicy QUICK = new FinalUpdatePolicy(Duration.ofMinutes(5), Duration.ofMillis(100),
            Duration.ofMillis(100), Duration.ofMillis(400), 5);

    @TempDir
    Path dir;
    FakeCoordinator gitlab;
    RunnerHandle runner;
    SimulatedBackends backends = new SimulatedBackends();
    Engine engine;

    @BeforeEach
    void start() {
        gitlab = FakeCoordinator.builder().longPollTimeout(Duration.ofSeconds(2)).firstJobId(61_000)
                .traceUpdateInterval(Duration.ofMillis(200)).start();
        runner = gitlab.addRunner("glrt-recoverytest01", Set.of(), true);
    }

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.shutdown();
        }
        gitlab.close();
    }

    Engine engine(FinalUpdatePolicy policy) {
        RunnerSettings settings = RunnerSettings.of("test", gitlab.url(), runner.token());
        return Engine.builder()
                .settings(new EngineSettings(1, Duration.ofMillis(200), Duration.ofSeconds(5),
                        dir.resolve("journal.json"), List.of(settings)))
                .executor(backends.executor).provisioner(backends.provisioner)
                .coordinatorClients(b -> b.finalUpdatePolicy(policy).retryPolicy(RetryPolicy.NONE))
                .traceInterval(Duration.ofMillis(200)).version("test").build();
    }

    /** A job a dead run confirmed, whose first {@code sent} bytes of {@code trace} reached the coordinator. */
    JobPayload crashedWith(JobHandle handle, String trace, int sent, Journal.FinalState finalState) throws Exception {
        CoordinatorClient client = CoordinatorClient.builder().url(gitlab.url()).build();
        JobPayload job = ((JobRequestResult.JobReceived) client.requestJob(
                new JobRequest(runner.token(), null, null))).job();
        assertThat(job.id()).isEqualTo(handle.id());
        client.updateJob(job.id(), job.token(), JobUpdate.running());
        byte[] bytes = trace.getBytes(StandardCharsets.UTF_8);
        if (sent > 0) {
            client.patchTrace(job.id(), job.token(), 0, bytes, 0, sent);
        }
        Journal journal = new Journal(dir.resolve("journal.json"));
        TraceSpool spool = TraceSpool.create(journal.file(), "test", job.id());
        spool.append(bytes, 0, bytes.length);
        spool.close();
        journal.jobStarted(new Journal.JobEntry("test", gitlab.url(), job.id(), job.token(), Instant.now(),
                spool.name(), finalState));
        return job;
    }

    static Journal.FinalState success(String trace) {
        TraceBuffer buffer = new TraceBuffer();
        buffer.append(trace);
        return Journal.FinalState.of(org.cleverrunner.coordinator.JobState.SUCCESS, null, null, buffer.checksum(),
                buffer.size(), Instant.now());
    }

    Path spool(long jobId) {
        return dir.resolve(TraceSpool.relativeName("test", jobId));
    }

    void awaitJournalEmpty() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!Journal.read(dir.resolve("journal.json")).jobs().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(Journal.read(dir.resolve("journal.json")).jobs()).isEmpty();
    }

    @Test
    void aJournaledSuccessIsResentWithTheMissingTraceAndItsChecksumThrough202() throws Exception {
        String trace = "Running with clever-runner\nthe work is done\nJob succeeded\n";
        JobHandle handle = gitlab.enqueue(Jobs.job("succeeded").script("true").archiveFinalUpdates(3));
        JobPayload job = crashedWith(handle, trace, 10, success(trace));

        engine = engine(QUICK).start();

        JobView view = gitlab.awaitJob(job.id(), Duration.ofSeconds(20));
        assertThat(view.finalState()).isEqualTo(JobState.SUCCESS);
        assertThat(view.traceText()).isEqualTo(trace);
        assertThat(view.reportedChecksum()).isEqualTo(view.traceChecksum());
        assertThat(view.reportedBytesize()).isEqualTo(trace.length());
        awaitJournalEmpty();
        assertThat(spool(job.id())).doesNotExist();
    }

    @Test
    void aJobAbandonedMidRunGetsOneLineAndFailsWithTheWholeTracesChecksum() throws Exception {
        String trace = "Running with clever-runner\nhalf way\n";
        JobHandle handle = gitlab.enqueue(Jobs.job("abandoned").script("true"));
        JobPayload job = crashedWith(handle, trace, trace.length(), null);

        engine = engine(QUICK).start();

        JobView view = gitlab.awaitJob(job.id(), Duration.ofSeconds(20));
        assertThat(view.finalState()).isEqualTo(JobState.FAILED);
        assertThat(view.failureReason()).isEqualTo("runner_system_failure");
        assertThat(view.traceText()).isEqualTo(trace + Engine.ABANDONED_LINE);
        assertThat(view.reportedChecksum()).isEqualTo(view.traceChecksum());
        awaitJournalEmpty();
    }

    @Test
    void aCoordinatorDownAtStartIsRetriedInTheBackgroundAndAcrossAFurtherStart() throws Exception {
        String trace = "all good\n";
        JobHandle handle = gitlab.enqueue(Jobs.job("succeeded").script("true"));
        JobPayload job = crashedWith(handle, trace, trace.length(), success(trace));
        gitlab.faults().next(Endpoint.JOB_UPDATE, Integer.MAX_VALUE).respond(503);
        gitlab.faults().next(Endpoint.TRACE_PATCH, Integer.MAX_VALUE).respond(503);

        engine = engine(QUICK.withHorizon(Duration.ofSeconds(1))).start();
        assertThat(engine.isHealthy()).as("taking jobs at once").isTrue();
        Thread.sleep(2_000); // the horizon passes: the recovery gives up for this run
        assertThat(gitlab.job(job.id()).state()).isEqualTo(JobState.RUNNING);
        assertThat(Journal.read(dir.resolve("journal.json")).jobs()).extracting(Journal.JobEntry::jobId)
                .containsExactly(job.id());
        assertThat(spool(job.id())).exists();
        engine.shutdown();

        gitlab.faults().clear();
        engine = engine(QUICK).start();

        JobView view = gitlab.awaitJob(job.id(), Duration.ofSeconds(20));
        assertThat(view.finalState()).isEqualTo(JobState.SUCCESS);
        assertThat(view.reportedChecksum()).isEqualTo(view.traceChecksum());
        awaitJournalEmpty();
        assertThat(spool(job.id())).doesNotExist();
    }

    @Test
    void spoolsNoEntryNamesAreRemovedAtStart() throws Exception {
        Path orphan = dir.resolve(TraceSpool.relativeName("test", 999));
        Files.createDirectories(orphan.getParent());
        Files.writeString(orphan, "settled just before a crash\n");

        engine = engine(QUICK).start();

        assertThat(orphan).doesNotExist();
    }

    @Test
    void aRefusedFinalStateLeavesTheJournal() throws Exception {
        String trace = "done\n";
        JobHandle handle = gitlab.enqueue(Jobs.job("gone").script("true"));
        JobPayload job = crashedWith(handle, trace, trace.length(), success(trace));
        gitlab.abort(job.id()); // final in GitLab already: 403 from now on

        engine = engine(QUICK).start();

        awaitJournalEmpty();
        assertThat(spool(job.id())).doesNotExist();
    }

    @Test
    void aSecondEngineOnTheSameJournalRefusesToStart() {
        engine = engine(QUICK).start();
        Engine second = engine(QUICK);
        try {
            second.start();
            throw new AssertionError("the second engine started");
        } catch (JournalLock.HeldException e) {
            assertThat(e.getMessage()).contains("pid " + ProcessHandle.current().pid());
        }
    }
}
