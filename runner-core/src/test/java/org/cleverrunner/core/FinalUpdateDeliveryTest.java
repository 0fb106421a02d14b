package org.cleverrunner.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.cleverrunner.coordinator.CoordinatorClient;
import org.cleverrunner.coordinator.FinalUpdatePolicy;
import org.cleverrunner.coordinator.FinalUpdateResult;
import org.cleverrunner.coordinator.JobRequest;
import org.cleverrunner.coordinator.JobRequestResult;
import org.cleverrunner.coordinator.JobState;
import org.cleverrunner.coordinator.JobUpdate;
import org.cleverrunner.coordinator.JobUpdateResult;
import org.cleverrunner.coordinator.TraceBuffer;
import org.cleverrunner.coordinator.TraceUploader;
import org.cleverrunner.testkit.Endpoint;
import org.cleverrunner.testkit.FakeCoordinator;
import org.cleverrunner.testkit.JobHandle;
import org.cleverrunner.testkit.JobView;
import org.cleverrunner.testkit.Jobs;
import org.cleverrunner.testkit.RecordedRequest;
import org.cleverrunner.testkit.RunnerHandle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The final update end to end, against the fake GitLab over real HTTP: repeated on 202 whatever Job-Status says,
 * through a long outage (virtual time: a test clock advanced by the client's sleeper, the production code path),
 * and stopped at once by a refusal.
 */
class FinalUpdateDeliveryTest {

    @TempDir
    java.nio.file.Path dir;
    FakeCoordinator gitlab;
    RunnerHandle runner;
    Engine engine;

    @BeforeEach
    void start() {
        gitlab = FakeCoordinator.builder().longPollTimeout(Duration.ofMillis(500))
                .traceUpdateInterval(Duration.ofMillis(200)).start();
        runner = gitlab.addRunner("glrt-finalupdate0001", Set.of(), true);
    }

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.shutdown();
        }
        gitlab.close();
    }

    /** A clock that only moves when the client "sleeps". */
    static final class VirtualTime extends Clock {
        final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2030-01-01T00:00:00Z"));
        final Instant start = now.get();
        volatile Runnable onTick = () -> { };

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }

        void sleep(Duration duration) {
            now.updateAndGet(t -> t.plus(duration));
            onTick.run();
        }

        Duration elapsed() {
            return Duration.between(start, now.get());
        }
    }

    /** A job taken and confirmed by a client of its own, with some log. */
    JobHandle runningJob(CoordinatorClient client) {
        JobHandle job = gitlab.enqueue(Jobs.job("final").script("echo hi"));
        JobRequestResult result = client.requestJob(new JobRequest(runner.token(), "s_0123456789ab", null));
        assertThat(result).isInstanceOf(JobRequestResult.JobReceived.class);
        assertThat(client.updateJob(job.id(), job.token(), JobUpdate.running()).outcome())
                .isEqualTo(JobUpdateResult.Outcome.ACCEPTED);
        return job;
    }

    @Test
    void aCanceledJobAnswered202CancelingEndsCanceled() throws Exception {
        JobHandle job = gitlab.enqueue(Jobs.job("long").script("echo started", "sleep 60000")
                .archiveFinalUpdates(3));
        RunnerSettings settings = RunnerSettings.of("test", gitlab.url(), runner.token());
        SimulatedBackends backends = new SimulatedBackends();
        engine = Engine.builder()
                .settings(new EngineSettings(1, Duration.ofMillis(200), Duration.ofSeconds(10),
                        dir.resolve("journal.json"), List.of(settings)))
                .executor(backends.executor).provisioner(backends.provisioner)
                .traceInterval(Duration.ofMillis(200)).version("test").build().start();
        gitlab.awaitState(job.id(), org.cleverrunner.testkit.JobState.RUNNING, Duration.ofSeconds(10));
        Thread.sleep(300);
        gitlab.cancel(job.id());

        JobView view = gitlab.awaitJob(job.id(), Duration.ofSeconds(20));
        assertThat(view.finalState()).isEqualTo(org.cleverrunner.testkit.JobState.CANCELED);
        List<RecordedRequest> finals = gitlab.requests(Endpoint.JOB_UPDATE).stream()
                .filter(r -> r.bodyText().contains("\"state\":\"failed\"")).toList();
        assertThat(finals).as("three 202 answers, then the 200").hasSize(4);
        assertThat(view.reportedChecksum()).isEqualTo(view.traceChecksum());
        assertThat(view.reportedBytesize()).isEqualTo(view.trace().length);
    }

    @Test
    void aFinalStateProducedDuringAFifteenMinuteOutageIsDeliveredWhenTheCoordinatorReturns() {
        VirtualTime time = new VirtualTime();
        CoordinatorClient client = CoordinatorClient.builder().url(gitlab.url()).clock(time).sleeper(time::sleep)
                .build();
        JobHandle job = runningJob(client);
        TraceBuffer trace = new TraceBuffer();
        trace.append("Job succeeded\n");
        TraceUploader uploader = new TraceUploader(client, job.id(), job.token(), trace);

        // The coordinator goes down (connections dropped, then 502 from a proxy) and comes back 15 minutes later.
        Instant back = time.instant().plus(Duration.ofMinutes(15));
        gitlab.faults().next(Endpoint.TRACE_PATCH, 100_000).dropConnection();
        gitlab.faults().next(Endpoint.JOB_UPDATE, 50).dropConnection().next(Endpoint.JOB_UPDATE, 100_000).respond(502);
        time.onTick = () -> {
            if (!time.instant().isBefore(back)) {
                gitlab.faults().clear();
            }
        };

        FinalUpdateResult result = complete(uploader, JobState.SUCCESS);

        assertThat(result.outcome()).isEqualTo(FinalUpdateResult.Outcome.DELIVERED);
        JobView view = gitlab.job(job.id());
        assertThat(view.finalState()).isEqualTo(org.cleverrunner.testkit.JobState.SUCCESS);
        assertThat(view.traceText()).isEqualTo("Job succeeded\n");
        assertThat(view.reportedChecksum()).isEqualTo(view.traceChecksum());
        assertThat(view.reportedBytesize()).isEqualTo(trace.size());
        assertThat(time.elapsed()).isGreaterThanOrEqualTo(Duration.ofMinutes(15))
                .as("delivered soon after the coordinator came back").isLessThan(Duration.ofMinutes(17));
        // backoff, not a tight loop: far fewer PUTs than the 515 of the old code in 10 minutes
        assertThat(gitlab.requests(Endpoint.JOB_UPDATE).size()).isLessThan(250);
    }

    @Test
    void aRefusedFinalUpdateStopsAtOnce() {
        VirtualTime time = new VirtualTime();
        CoordinatorClient client = CoordinatorClient.builder().url(gitlab.url()).clock(time).sleeper(time::sleep)
                .build();
        JobHandle job = runningJob(client);
        TraceBuffer trace = new TraceBuffer();
        trace.append("done\n");
        TraceUploader uploader = new TraceUploader(client, job.id(), job.token(), trace);
        gitlab.clearRequests();
        gitlab.faults().next(Endpoint.JOB_UPDATE, 100).respond(403);

        FinalUpdateResult result = complete(uploader, JobState.SUCCESS);

        assertThat(result.outcome()).isEqualTo(FinalUpdateResult.Outcome.REFUSED);
        assertThat(result.lastStatus()).isEqualTo(403);
        assertThat(gitlab.requests(Endpoint.JOB_UPDATE)).hasSize(1);
        assertThat(time.elapsed()).isLessThan(Duration.ofSeconds(1));
    }

    @Test
    void aShortHorizonGivesUpOnTheSamePath() {
        VirtualTime time = new VirtualTime();
        CoordinatorClient client = CoordinatorClient.builder().url(gitlab.url()).clock(time).sleeper(time::sleep)
                .finalUpdatePolicy(FinalUpdatePolicy.DEFAULT.withHorizon(Duration.ofMinutes(5))).build();
        JobHandle job = runningJob(client);
        TraceUploader uploader = new TraceUploader(client, job.id(), job.token(), new TraceBuffer());
        gitlab.faults().next(Endpoint.JOB_UPDATE, 100_000).respond(503);

        FinalUpdateResult result = uploader.complete(JobState.SUCCESS, null, null);

        assertThat(result.outcome()).isEqualTo(FinalUpdateResult.Outcome.GAVE_UP);
        assertThat(result.lastStatus()).isEqualTo(503);
        assertThat(time.elapsed()).isGreaterThanOrEqualTo(Duration.ofMinutes(5)).isLessThan(Duration.ofMinutes(7));
        assertThat(gitlab.job(job.id()).state()).isEqualTo(org.cleverrunner.testkit.JobState.RUNNING);
    }

    @Test
    void theFinalStateWaitsForTheEndOfTheTraceWhenOnlyTheTraceEndpointIsDown() {
        VirtualTime time = new VirtualTime();
        CoordinatorClient client = CoordinatorClient.builder().url(gitlab.url()).clock(time).sleeper(time::sleep)
                .build();
        JobHandle job = runningJob(client);
        TraceBuffer trace = new TraceBuffer();
        trace.append("$ make\nerror: the line that says why\n");
        TraceUploader uploader = new TraceUploader(client, job.id(), job.token(), trace);
        gitlab.clearRequests();
        // GitLab's trace endpoint fails for 3 minutes while job updates work: a PUT then would archive no trace
        Instant back = time.instant().plus(Duration.ofMinutes(3));
        gitlab.faults().next(Endpoint.TRACE_PATCH, 100_000).respond(503);
        time.onTick = () -> {
            if (!time.instant().isBefore(back)) {
                gitlab.faults().clear();
            }
        };

        FinalUpdateResult result = uploader.complete(JobState.FAILED,
                org.cleverrunner.coordinator.FailureReason.SCRIPT_FAILURE, 2);

        assertThat(result.outcome()).isEqualTo(FinalUpdateResult.Outcome.DELIVERED);
        JobView view = gitlab.job(job.id());
        assertThat(view.finalState()).isEqualTo(org.cleverrunner.testkit.JobState.FAILED);
        assertThat(view.traceText()).endsWith("error: the line that says why\n");
        assertThat(view.reportedChecksum()).isEqualTo(view.traceChecksum());
        assertThat(gitlab.requests(Endpoint.JOB_UPDATE)).as("one PUT, after the trace was taken").hasSize(1);
    }

    static FinalUpdateResult complete(TraceUploader uploader, JobState state) {
        return uploader.complete(state, null, null);
    }
}
