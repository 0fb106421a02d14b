package org.cleverrunner.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.cleverrunner.coordinator.CoordinatorClient;
import org.cleverrunner.coordinator.JobRequest;
import org.cleverrunner.coordinator.JobRequestResult;
import org.cleverrunner.coordinator.JobUpdate;
import org.cleverrunner.coordinator.payload.JobPayload;
import org.cleverrunner.spi.JobPlan;
import org.cleverrunner.testkit.Endpoint;
import org.cleverrunner.testkit.FakeCoordinator;
import org.cleverrunner.testkit.JobBuilder;
import org.cleverrunner.testkit.JobHandle;
import org.cleverrunner.testkit.Jobs;
import org.cleverrunner.testkit.RunnerHandle;
import org.cleverrunner.testkit.StoredArtifact;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The transfer against the fake coordinator over real HTTP. */
class CoordinatorArtifactTransferTest {

    FakeCoordinator fake;
    CoordinatorClient client;
    RunnerHandle runner;
    @TempDir
    Path dir;

    @BeforeEach
    void start() {
        fake = FakeCoordinator.builder().longPollTimeout(Duration.ofMillis(500)).start();
        client = CoordinatorClient.builder().url(fake.url()).readTimeout(Duration.ofSeconds(10))
                .sleeper(d -> Thread.sleep(Math.min(d.toMillis(), 20))).build();
        runner = fake.addRunner(Set.of(), true);
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    JobPayload take(JobBuilder builder) {
        fake.enqueue(builder);
        JobRequestResult result = client.requestJob(new JobRequest(runner.token(), "s_0123456789ab", null));
        assertThat(result).isInstanceOf(JobRequestResult.JobReceived.class);
        JobPayload job = ((JobRequestResult.JobReceived) result).job();
        client.updateJob(job.id(), job.token(), JobUpdate.running());
        return job;
    }

    Path archive(int size) throws IOException {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return Files.write(dir.resolve("artifacts-" + size + ".zip"), bytes);
    }

    static JobPlan.ArtifactRule rule() {
        return new JobPlan.ArtifactRule("artifacts", List.of("out/"), null, false, "on_success", "1 week", null, null);
    }

    @Test
    void uploadedArtifactsAreDownloadedByADependentJob() throws IOException {
        JobPayload build = take(Jobs.job("build"));
        Path zip = archive(300_000);
        CoordinatorArtifactTransfer uploader = new CoordinatorArtifactTransfer(client, build.id(), build.token());

        assertThat(uploader.upload(rule(), "artifacts.zip", zip)).isNull();

        List<StoredArtifact> stored = fake.artifacts(build.id());
        assertThat(stored).singleElement().satisfies(a -> {
            assertThat(a.filename()).isEqualTo("artifacts.zip");
            assertThat(a.type()).isEqualTo("archive");
            assertThat(a.format()).isEqualTo("zip");
            assertThat(a.expireIn()).isEqualTo("1 week");
        });
        client.updateJob(build.id(), build.token(), JobUpdate.success("crc32:00000000", 0));

        JobPayload test = take(Jobs.job("test").dependency(new JobHandle(build.id(), build.token(), "build")));
        JobPlan plan = JobPlans.fromPayload(test, "r1").plan();
        JobPlan.DependencySpec dependency = plan.dependencies().get(0);
        assertThat(dependency.filename()).isEqualTo("artifacts.zip");

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CoordinatorArtifactTransfer downloader = new CoordinatorArtifactTransfer(client, test.id(), test.token());
        assertThat(downloader.download(dependency, out)).isTrue();
        assertThat(out.toByteArray()).isEqualTo(Files.readAllBytes(zip));
    }

    @Test
    void tooLargeUploadGivesAOneLineReason() throws IOException {
        fake.maxArtifactSize(1000);
        JobPayload job = take(Jobs.job("big"));
        String reason = new CoordinatorArtifactTransfer(client, job.id(), job.token())
                .upload(rule(), "artifacts.zip", archive(50_000));
        assertThat(reason).isEqualTo("too large for the instance (413)");
        assertThat(fake.artifacts(job.id())).isEmpty();
    }

    @Test
    void uploadAfterTheJobEndedIsForbidden() throws IOException {
        JobPayload job = take(Jobs.job("late"));
        client.updateJob(job.id(), job.token(), JobUpdate.success("crc32:00000000", 0));
        String reason = new CoordinatorArtifactTransfer(client, job.id(), job.token())
                .upload(rule(), "artifacts.zip", archive(100));
        assertThat(reason).isEqualTo("forbidden (403): job is no longer running");
    }

    @Test
    void missingArtifactsAreFalse() throws IOException {
        JobPayload lint = take(Jobs.job("lint"));
        client.updateJob(lint.id(), lint.token(), JobUpdate.success("crc32:00000000", 0));
        JobPayload test = take(Jobs.job("test").dependency(new JobHandle(lint.id(), lint.token(), "lint")));
        JobPlan.DependencySpec dependency = JobPlans.fromPayload(test, "r1").plan().dependencies().get(0);
        assertThat(dependency.filename()).isNull();

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(new CoordinatorArtifactTransfer(client, test.id(), test.token()).download(dependency, out))
                .isFalse();
        assertThat(out.size()).isZero();
    }

    @Test
    void otherDownloadFailuresAreIOExceptionsWithoutTheToken() {
        JobPayload test = take(Jobs.job("test"));
        fake.faults().next(Endpoint.ARTIFACT_DOWNLOAD, 10).respond(500);
        CoordinatorArtifactTransfer transfer = new CoordinatorArtifactTransfer(client, test.id(), test.token());
        assertThatThrownBy(() -> transfer.download(new JobPlan.DependencySpec(99, "gone", "a.zip"),
                new ByteArrayOutputStream()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("job 99 (gone)")
                .hasMessageContaining("500")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(test.token()));
    }
}
