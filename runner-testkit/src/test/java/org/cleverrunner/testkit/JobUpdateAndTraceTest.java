package org.cleverrunner.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.cleverrunner.testkit.TestHttp.header;
import static org.cleverrunner.testkit.TestHttp.text;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class JobUpdateAndTraceTest {

    private FakeCoordinator fake;
    private TestHttp http;
    private RunnerHandle runner;

    @BeforeEach
    void start() {
        fake = FakeCoordinator.builder().longPollTimeout(Duration.ofMillis(500))
                .traceUpdateInterval(Duration.ofSeconds(7)).start();
        http = new TestHttp(fake);
        runner = fake.addRunner("glrt-trace", Set.of(), true);
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    private JobHandle runningJob(JobBuilder builder) {
        JobHandle job = fake.enqueue(builder);
        assertThat(http.requestJob(runner.token()).statusCode()).isEqualTo(201);
        assertThat(http.updateJob(job, "running", "").statusCode()).isEqualTo(200);
        return job;
    }

    @Test
    void patchesAppendAndAFinalUpdateIsRecorded() {
        JobHandle job = runningJob(Jobs.job("trace"));

        HttpResponse<byte[]> first = http.patchTrace(job, 0, "hello ");
        assertThat(first.statusCode()).isEqualTo(202);
        assertThat(header(first, "Range")).isEqualTo("0-6");
        assertThat(header(first, "Job-Status")).isEqualTo("running");
        assertThat(header(first, "X-GitLab-Trace-Update-Interval")).isEqualTo("7");

        // Rails ignores the end and total: "6-11/12" is accepted because only the start matters.
        byte[] world = "wörld\n".getBytes(StandardCharsets.UTF_8);
        HttpResponse<byte[]> second = http.patchTrace(job, job.token(), "6-" + (6 + world.length) + "/99", world);
        assertThat(second.statusCode()).isEqualTo(202);
        assertThat(header(second, "Range")).isEqualTo("0-" + (6 + world.length));
        assertThat(fake.traceText(job.id())).isEqualTo("hello wörld\n");

        CRC32 crc = new CRC32();
        crc.update(fake.trace(job.id()));
        String checksum = String.format("crc32:%08x", crc.getValue());
        assertThat(fake.traceChecksum(job.id())).isEqualTo(checksum);

        HttpResponse<byte[]> fin = http.updateJob(job, "failed", ",\"failure_reason\":\"script_failure\",\"exit_code\":42,"
                + "\"checksum\":\"" + checksum + "\",\"output\":{\"checksum\":\"" + checksum + "\",\"bytesize\":13}");
        assertThat(fin.statusCode()).isEqualTo(200);
        assertThat(header(fin, "Job-Status")).isEqualTo("failed");

        JobView done = fake.awaitJob(job.id(), Duration.ofSeconds(1));
        assertThat(done.finalState()).isEqualTo(JobState.FAILED);
        assertThat(done.failureReason()).isEqualTo("script_failure");
        assertThat(done.exitCode()).isEqualTo(42);
        assertThat(done.reportedChecksum()).isEqualTo(checksum).isEqualTo(done.traceChecksum());
        assertThat(done.reportedBytesize()).isEqualTo(13L);

        // Once final: 403 with the status, for both PATCH and PUT.
        HttpResponse<byte[]> late = http.patchTrace(job, 13, "more");
        assertThat(late.statusCode()).isEqualTo(403);
        assertThat(header(late, "Job-Status")).isEqualTo("failed");
        HttpResponse<byte[]> latePut = http.updateJob(job, "success", "");
        assertThat(latePut.statusCode()).isEqualTo(403);
        assertThat(header(latePut, "Job-Status")).isEqualTo("failed");
    }

    @Test
    void rangeMismatchAnswers416WithTheCurrentSize() {
        JobHandle job = runningJob(Jobs.job("range"));
        assertThat(http.patchTrace(job, 0, "0123456789A").statusCode()).isEqualTo(202);

        HttpResponse<byte[]> gap = http.patchTrace(job, job.token(), "15-20/6", "xxxxxx".getBytes(StandardCharsets.UTF_8));
        assertThat(gap.statusCode()).isEqualTo(416);
        assertThat(header(gap, "Range")).isEqualTo("0-11");

        fake.truncateTrace(job.id(), 4);
        HttpResponse<byte[]> lost = http.patchTrace(job, 11, "BC");
        assertThat(lost.statusCode()).isEqualTo(416);
        assertThat(header(lost, "Range")).isEqualTo("0-4");
        assertThat(http.patchTrace(job, 4, "456789ABC").statusCode()).isEqualTo(202);
        assertThat(fake.traceText(job.id())).isEqualTo("0123456789ABC");
    }

    @Test
    void patchErrors() {
        JobHandle pending = fake.enqueue(Jobs.job("pending").tags("no-such-runner"));
        HttpResponse<byte[]> notRunning = http.patchTrace(pending, 0, "x");
        assertThat(notRunning.statusCode()).isEqualTo(403);
        assertThat(header(notRunning, "Job-Status")).isEqualTo("pending");

        JobHandle job = runningJob(Jobs.job("errors"));
        HttpResponse<byte[]> noRange = http.patchTrace(job, job.token(), null, "x".getBytes(StandardCharsets.UTF_8));
        assertThat(noRange.statusCode()).isEqualTo(400);
        assertThat(text(noRange)).contains("Content-Range");
        assertThat(http.patchTrace(job, null, "0-0", "x".getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(403);
        assertThat(http.patchTrace(job, "glcbt-wrong", "0-0", "x".getBytes(StandardCharsets.UTF_8)).statusCode())
                .isEqualTo(403);
        assertThat(fake.trace(job.id())).isEmpty();
    }

    @Test
    void updateErrors() {
        JobHandle job = runningJob(Jobs.job("update"));
        HttpResponse<byte[]> bad = http.updateJob(job, "exploded", "");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(TestHttp.tree(bad).get("message").asText()).startsWith("400");

        HttpResponse<byte[]> wrongToken = http.json("PUT", "jobs/" + job.id(),
                "{\"token\":\"glcbt-wrong\",\"state\":\"success\"}");
        assertThat(wrongToken.statusCode()).isEqualTo(403);
        assertThat(header(wrongToken, "Job-Status")).isEqualTo("running");

        // Token from the JOB-TOKEN header only.
        HttpResponse<byte[]> headerOnly = http.json("PUT", "jobs/" + job.id(), "{\"state\":\"success\"}",
                "JOB-TOKEN", job.token());
        assertThat(headerOnly.statusCode()).isEqualTo(200);
        assertThat(fake.job(job.id()).state()).isEqualTo(JobState.SUCCESS);
        assertThat(http.json("PUT", "jobs/9999", "{\"state\":\"success\"}").statusCode()).isEqualTo(404);
    }

    @Test
    void finalUpdatesAreAcceptedWith202WhileTheTraceIsArchived() {
        JobHandle job = runningJob(Jobs.job("archive").archiveFinalUpdates(2));
        for (int i = 0; i < 2; i++) {
            HttpResponse<byte[]> accepted = http.updateJob(job, "success", "");
            assertThat(accepted.statusCode()).isEqualTo(202);
            assertThat(header(accepted, "X-GitLab-Trace-Update-Interval")).isEqualTo("1");
            assertThat(fake.job(job.id()).state()).isEqualTo(JobState.RUNNING);
        }
        HttpResponse<byte[]> done = http.updateJob(job, "success", "");
        assertThat(done.statusCode()).isEqualTo(200);
        assertThat(fake.awaitJob(job.id()).finalState()).isEqualTo(JobState.SUCCESS);

        fake.archiveFinalUpdates(1);
        JobHandle second = runningJob(Jobs.job("global"));
        assertThat(http.updateJob(second, "success", "").statusCode()).isEqualTo(202);
        assertThat(http.updateJob(second, "success", "").statusCode()).isEqualTo(200);
    }

    @Test
    void gracefulCancelGoesThroughCanceling() {
        JobHandle job = runningJob(Jobs.job("cancel"));
        assertThat(fake.cancel(job.id())).isEqualTo(JobState.CANCELING);

        HttpResponse<byte[]> patch = http.patchTrace(job, 0, "after_script runs\n");
        assertThat(patch.statusCode()).isEqualTo(202);
        assertThat(header(patch, "Job-Status")).isEqualTo("canceling");
        HttpResponse<byte[]> touch = http.updateJob(job, "running", "");
        assertThat(touch.statusCode()).isEqualTo(200);
        assertThat(header(touch, "Job-Status")).isEqualTo("canceling");

        HttpResponse<byte[]> fin = http.updateJob(job, "failed", ",\"failure_reason\":\"unknown_failure\"");
        assertThat(fin.statusCode()).isEqualTo(200);
        assertThat(header(fin, "Job-Status")).isEqualTo("canceled");
        assertThat(fake.awaitJob(job.id()).finalState()).isEqualTo(JobState.CANCELED);
    }

    @Test
    void forcedCancelAbortsAtOnce() {
        JobHandle job = runningJob(Jobs.job("abort"));
        assertThat(fake.cancel(job.id(), false)).isEqualTo(JobState.CANCELED);
        HttpResponse<byte[]> patch = http.patchTrace(job, 0, "x");
        assertThat(patch.statusCode()).isEqualTo(403);
        assertThat(header(patch, "Job-Status")).isEqualTo("canceled");
        HttpResponse<byte[]> put = http.updateJob(job, "running", "");
        assertThat(put.statusCode()).isEqualTo(403);
        assertThat(header(put, "Job-Status")).isEqualTo("canceled");
    }

    @Test
    void cancelWithoutGracefulSupportIsImmediate() {
        JobHandle job = fake.enqueue(Jobs.job("nograce"));
        assertThat(http.json("POST", "jobs/request", "{\"token\":\"" + runner.token() + "\"}").statusCode())
                .isEqualTo(201);
        assertThat(http.updateJob(job, "running", "").statusCode()).isEqualTo(200);
        assertThat(fake.cancel(job.id())).isEqualTo(JobState.CANCELED);

        JobHandle pending = fake.enqueue(Jobs.job("pending"));
        assertThat(fake.cancel(pending.id())).isEqualTo(JobState.CANCELED);
        assertThat(http.requestJob(runner.token()).statusCode()).isEqualTo(204);
    }

    @Test
    void awaitJobTimesOutWithAHelpfulError() {
        JobHandle job = fake.enqueue(Jobs.job("never"));
        assertThatThrownBy(() -> fake.awaitJob(job.id(), Duration.ofMillis(100)))
                .isInstanceOf(AssertionError.class).hasMessageContaining("state=pending");
    }
}
