package org.cleverrunner.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.zip.CRC32;
import org.cleverrunner.coordinator.ArtifactDownloadResult;
import org.cleverrunner.coordinator.ArtifactSource;
import org.cleverrunner.coordinator.ArtifactUpload;
import org.cleverrunner.coordinator.ArtifactUploadResult;
import org.cleverrunner.coordinator.CoordinatorClient;
import org.cleverrunner.coordinator.FailureReason;
import org.cleverrunner.coordinator.FinalUpdateResult;
import org.cleverrunner.coordinator.JobRequest;
import org.cleverrunner.coordinator.JobRequestResult;
import org.cleverrunner.coordinator.JobUpdate;
import org.cleverrunner.coordinator.JobUpdateResult;
import org.cleverrunner.coordinator.RegistrationRequest;
import org.cleverrunner.coordinator.RunnerCredentials;
import org.cleverrunner.coordinator.TraceBuffer;
import org.cleverrunner.coordinator.TracePatchResult;
import org.cleverrunner.coordinator.TraceUploader;
import org.cleverrunner.coordinator.payload.JobPayload;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The coordinator client and the fake coordinator together, over real HTTP: whole protocol flows. */
class CoordinatorClientFlowTest {

    FakeCoordinator fake;
    CoordinatorClient client;
    RunnerHandle runner;

    @BeforeEach
    void start() {
        fake = FakeCoordinator.builder().longPollTimeout(Duration.ofSeconds(5)).traceUpdateInterval(Duration.ofSeconds(1))
                .start();
        client = CoordinatorClient.builder().url(fake.url()).readTimeout(Duration.ofSeconds(30))
                .sleeper(d -> Thread.sleep(Math.min(d.toMillis(), 50))).build();
        runner = fake.addRunner(Set.of("clever-cloud"), true);
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    JobPayload take() {
        JobRequestResult result = client.requestJob(new JobRequest(runner.token(), "s_0123456789ab", null));
        assertThat(result).isInstanceOf(JobRequestResult.JobReceived.class);
        JobPayload job = ((JobRequestResult.JobReceived) result).job();
        assertThat(client.updateJob(job.id(), job.token(), JobUpdate.running()).outcome())
                .isEqualTo(JobUpdateResult.Outcome.ACCEPTED);
        return job;
    }

    @Test
    void severalMegabytesOfTracePatchedIncrementallyWithA416ArriveByteIdentical() {
        fake.archiveFinalUpdates(2);
        JobHandle handle = fake.enqueue(Jobs.job("big-log").script("yes"));
        JobPayload job = take();
        TraceBuffer trace = new TraceBuffer();
        TraceUploader uploader = new TraceUploader(client, job.id(), job.token(), trace);
        Random random = new Random(42);
        int pieces = 0;
        while (trace.size() < 6 * 1024 * 1024) {
            byte[] piece = new byte[100_000 + random.nextInt(400_000)];
            random.nextBytes(piece);
            trace.append(piece);
            pieces++;
            if (pieces == 5) {
                // the coordinator refuses the next patch's range once, then loses the tail of what it held
                fake.faults().next(Endpoint.TRACE_PATCH).respondRangeMismatch();
            }
            if (pieces == 9) {
                fake.truncateTrace(job.id(), (int) uploader.sentOffset() - 12_345);
            }
            TracePatchResult patch = uploader.flush();
            assertThat(patch.outcome()).isIn(TracePatchResult.Outcome.ACCEPTED, TracePatchResult.Outcome.RANGE_MISMATCH);
        }

        FinalUpdateResult done = uploader.complete(org.cleverrunner.coordinator.JobState.SUCCESS, null, null);

        assertThat(done.outcome()).isEqualTo(FinalUpdateResult.Outcome.DELIVERED);
        JobView view = fake.awaitJob(handle.id());
        assertThat(view.finalState()).isEqualTo(JobState.SUCCESS);
        assertThat(fake.trace(job.id())).isEqualTo(trace.toByteArray());
        CRC32 crc = new CRC32();
        crc.update(trace.toByteArray());
        String expected = String.format("crc32:%08x", crc.getValue());
        assertThat(view.reportedChecksum()).isEqualTo(expected).isEqualTo(fake.traceChecksum(job.id()));
        assertThat(view.reportedBytesize()).isEqualTo(trace.size());
        assertThat(uploader.rangeMismatches()).isGreaterThanOrEqualTo(2);
        List<RecordedRequest> patches = fake.requests(Endpoint.TRACE_PATCH);
        assertThat(patches).hasSizeGreaterThan(8);
        assertThat(patches).allSatisfy(p -> assertThat(p.bodySize()).isLessThanOrEqualTo(1024 * 1024));
        assertThat(patches).anySatisfy(p -> assertThat(p.status()).isEqualTo(416));
        // two 202 answers while "archiving", then 200
        assertThat(fake.requests(Endpoint.JOB_UPDATE)).extracting(RecordedRequest::status).endsWith(202, 202, 200);
    }

    @Test
    void registrationVerificationJobAndTokenReset() {
        fake.addRegistrationToken("GR1348941flowregistration");
        RunnerCredentials registered = client.register(RegistrationRequest.of("GR1348941flowregistration", "flow",
                List.of("docker")));
        assertThat(registered.token()).startsWith("t1_"); // Rails: no glrt- for a registration token's runner
        assertThat(client.verify(registered.token(), "s_0123456789ab").id()).isEqualTo(registered.id());

        fake.enqueue(Jobs.job("tagged").tags("docker").script("echo hi"));
        JobRequestResult received = client.requestJob(new JobRequest(registered.token(), "s_0123456789ab", null));
        assertThat(received).isInstanceOf(JobRequestResult.JobReceived.class);

        RunnerCredentials reset = client.resetToken(registered.token());
        assertThat(reset.token()).isNotEqualTo(registered.token()).startsWith("t1_");
        assertThat(client.requestJob(new JobRequest(registered.token(), null, null)))
                .isInstanceOfSatisfying(JobRequestResult.Rejected.class, r -> assertThat(r.status()).isEqualTo(403));
        assertThat(client.requestJob(new JobRequest(reset.token(), null, null)))
                .isInstanceOf(JobRequestResult.NoJob.class);
        client.unregister(reset.token());
    }

    @Test
    void longPollReturnsAsSoonAsAJobIsQueued() throws Exception {
        JobRequestResult first = client.requestJob(new JobRequest(runner.token(), null, null));
        assertThat(first).isInstanceOf(JobRequestResult.NoJob.class);
        String lastUpdate = first.lastUpdate().orElseThrow();
        Thread enqueuer = new Thread(() -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                return;
            }
            fake.enqueue(Jobs.job("late").script("true"));
        });
        long started = System.nanoTime();
        enqueuer.start();

        JobRequestResult polled = client.requestJob(new JobRequest(runner.token(), null, lastUpdate));

        long elapsedMillis = (System.nanoTime() - started) / 1_000_000;
        enqueuer.join();
        assertThat(polled).isInstanceOf(JobRequestResult.JobReceived.class);
        assertThat(elapsedMillis).as("answered on enqueue, not at the 5 s poll timeout").isLessThan(3000);
    }

    @Test
    void twoPhaseCommitKeepsTheJobPendingUntilConfirmed() {
        JobHandle handle = fake.enqueue(Jobs.job("two-phase").script("true"));
        JobRequestResult result = client.requestJob(new JobRequest(runner.token(), null, null));
        JobPayload job = ((JobRequestResult.JobReceived) result).job();
        assertThat(fake.job(handle.id()).state()).isEqualTo(JobState.PENDING);
        assertThat(client.requestJob(new JobRequest(runner.token(), null, null)))
                .as("an assigned job is not handed out twice").isInstanceOf(JobRequestResult.NoJob.class);
        client.updateJob(job.id(), job.token(), JobUpdate.running());
        assertThat(fake.job(handle.id()).state()).isEqualTo(JobState.RUNNING);
    }

    @Test
    void gracefulCancelThenFinalUpdateEndsCanceled() {
        JobHandle handle = fake.enqueue(Jobs.job("cancel-me").script("sleep 300"));
        JobPayload job = take();
        TraceBuffer trace = new TraceBuffer();
        TraceUploader uploader = new TraceUploader(client, job.id(), job.token(), trace);
        trace.append("$ sleep 300\n");
        assertThat(uploader.flush().outcome()).isEqualTo(TracePatchResult.Outcome.ACCEPTED);

        fake.cancel(handle.id());
        trace.append("after_script output\n");
        assertThat(uploader.flush().outcome()).isEqualTo(TracePatchResult.Outcome.CANCEL_REQUESTED);
        assertThat(uploader.cancelRequested()).isTrue();

        FailureReason reason = FailureReason.JOB_CANCELED.forCoordinator(job.features().failureReasons());
        uploader.complete(org.cleverrunner.coordinator.JobState.FAILED, reason, null);
        assertThat(fake.awaitJob(handle.id()).finalState()).isEqualTo(JobState.CANCELED);
        assertThat(fake.traceText(handle.id())).isEqualTo("$ sleep 300\nafter_script output\n");
    }

    @Test
    void abortedJobRefusesFurtherTrace() {
        JobHandle handle = fake.enqueue(Jobs.job("abort-me").script("sleep 300"));
        JobPayload job = take();
        fake.cancel(handle.id(), false);
        TraceBuffer trace = new TraceBuffer();
        trace.append("more\n");
        TracePatchResult result = new TraceUploader(client, job.id(), job.token(), trace).flush();
        assertThat(result.outcome()).isEqualTo(TracePatchResult.Outcome.ABORT);
        assertThat(client.updateJob(job.id(), job.token(), JobUpdate.running()).outcome())
                .isEqualTo(JobUpdateResult.Outcome.ABORT);
    }

    @Test
    void artifactsUploadedByOneJobAreDownloadedByItsDependent(@TempDir Path dir) throws Exception {
        JobHandle buildHandle = fake.enqueue(Jobs.job("build").script("make").artifacts("out/"));
        JobPayload build = take();
        byte[] zip = new byte[3 * 1024 * 1024 + 17];
        new Random(3).nextBytes(zip);
        Path archive = Files.write(dir.resolve("artifacts.zip"), zip);
        ArtifactUploadResult uploaded = client.uploadArtifacts(build.id(), build.token(),
                ArtifactUpload.archive("artifacts.zip", ArtifactSource.ofFile(archive), "1 week"));
        assertThat(uploaded.outcome()).isEqualTo(ArtifactUploadResult.Outcome.UPLOADED);
        new TraceUploader(client, build.id(), build.token(), new TraceBuffer())
                .complete(org.cleverrunner.coordinator.JobState.SUCCESS, null, null);
        assertThat(fake.artifacts(buildHandle.id())).singleElement()
                .satisfies(a -> assertThat(a.expireIn()).isEqualTo("1 week"));

        fake.enqueue(Jobs.job("test").script("make test").dependency(buildHandle));
        JobPayload test = take();
        assertThat(test.dependencies()).singleElement().satisfies(dep -> {
            assertThat(dep.id()).isEqualTo(build.id());
            assertThat(dep.artifactsFile().filename()).isEqualTo("artifacts.zip");
        });
        Path target = dir.resolve("deps.zip");
        ArtifactDownloadResult downloaded = client.downloadArtifacts(build.id(), test.dependencies().get(0).token(),
                target, true);

        assertThat(downloaded.outcome()).isEqualTo(ArtifactDownloadResult.Outcome.DOWNLOADED);
        assertThat(Files.readAllBytes(target)).isEqualTo(zip);
        assertThat(fake.requests(Endpoint.OBJECT_STORAGE)).singleElement()
                .satisfies(r -> assertThat(r.hasHeader("JOB-TOKEN")).isFalse());
    }

    @Test
    void retriesThroughInjectedFaults() {
        fake.faults().next(Endpoint.JOB_REQUEST, 2).respond(503, java.util.Map.of("Retry-After", "0"));
        JobHandle handle = fake.enqueue(Jobs.job("flaky").script("true"));
        JobPayload job = take();
        assertThat(job.id()).isEqualTo(handle.id());

        fake.faults().next(Endpoint.TRACE_PATCH).dropConnection();
        TraceBuffer trace = new TraceBuffer();
        trace.append("survives a dropped connection\n".getBytes(StandardCharsets.UTF_8));
        assertThat(new TraceUploader(client, job.id(), job.token(), trace).flush().outcome())
                .isEqualTo(TracePatchResult.Outcome.ACCEPTED);
        assertThat(fake.traceText(job.id())).isEqualTo("survives a dropped connection\n");
        assertThat(fake.requests(Endpoint.JOB_REQUEST)).extracting(RecordedRequest::status).startsWith(503, 503, 201);
    }
}
