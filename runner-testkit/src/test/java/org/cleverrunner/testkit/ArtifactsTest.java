package org.cleverrunner.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cleverrunner.testkit.TestHttp.header;
import static org.cleverrunner.testkit.TestHttp.text;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.cleverrunner.coordinator.payload.JobPayload;
import org.cleverrunner.coordinator.payload.PayloadJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ArtifactsTest {

    private static final String BOUNDARY = "----cleverrunner7d9f2a";

    private FakeCoordinator fake;
    private TestHttp http;
    private RunnerHandle runner;

    @BeforeEach
    void start() {
        fake = FakeCoordinator.builder().longPollTimeout(Duration.ofMillis(500)).start();
        http = new TestHttp(fake);
        runner = fake.addRunner("glrt-artifacts", Set.of(), true);
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    private JobHandle runningJob(JobBuilder builder) {
        JobHandle job = fake.enqueue(builder);
        HttpResponse<byte[]> response = http.requestJob(runner.token());
        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(http.updateJob(job, "running", "").statusCode()).isEqualTo(200);
        return job;
    }

    /** A multipart body streamed without Content-Length (chunked), with optional text fields before the file. */
    private HttpResponse<byte[]> upload(JobHandle job, String token, String query, List<String[]> fields,
                                        String filename, byte[] content) {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        for (String[] field : fields) {
            head.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + field[0] + "\"\r\n\r\n"
                    + field[1] + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
        head.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename
                + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        byte[] tail = ("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8);
        HttpRequest.Builder b = http.request("jobs/" + job.id() + "/artifacts" + (query == null ? "" : "?" + query))
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new SequenceInputStream(Collections.enumeration(
                        List.<InputStream>of(new ByteArrayInputStream(head.toByteArray()),
                                new ByteArrayInputStream(content), new ByteArrayInputStream(tail))))));
        if (token != null) {
            b.header("JOB-TOKEN", token);
        }
        return http.send(b.build());
    }

    private static byte[] random(int size) {
        byte[] bytes = new byte[size];
        new Random(42).nextBytes(bytes);
        // Make sure the boundary prefix appears inside the content without being a delimiter.
        byte[] trap = ("\r\n--" + BOUNDARY.substring(0, 10)).getBytes(StandardCharsets.UTF_8);
        System.arraycopy(trap, 0, bytes, size / 2, trap.length);
        return bytes;
    }

    @Test
    void largeChunkedUploadIsStoredAndDownloadable() {
        JobHandle build = runningJob(Jobs.job("build"));
        byte[] content = random(24 * 1024 * 1024 + 17);

        HttpResponse<byte[]> response = upload(build, build.token(),
                "artifact_format=zip&artifact_type=archive&expire_in=7d", List.of(), "artifacts.zip", content);

        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(text(response)).isEqualTo("201");
        RecordedRequest recorded = fake.requests(Endpoint.ARTIFACT_UPLOAD).get(0);
        assertThat(recorded.hasHeader("Content-Length")).isFalse();
        assertThat(recorded.bodySize()).isGreaterThan(content.length);
        assertThat(recorded.body()).hasSize(RecordedRequest.BODY_CAPTURE_LIMIT);
        StoredArtifact stored = fake.artifacts(build.id()).get(0);
        assertThat(stored.filename()).isEqualTo("artifacts.zip");
        assertThat(stored.type()).isEqualTo("archive");
        assertThat(stored.format()).isEqualTo("zip");
        assertThat(stored.expireIn()).isEqualTo("7d");
        assertThat(stored.bytes()).isEqualTo(content);

        // A later job depending on it sees artifacts_file and downloads with its own (running) token.
        assertThat(http.updateJob(build, "success", "").statusCode()).isEqualTo(200);
        JobHandle test = fake.enqueue(Jobs.job("test").dependency(build));
        HttpResponse<byte[]> got = http.requestJob(runner.token());
        JobPayload payload = PayloadJson.parseJob(got.body());
        assertThat(payload.dependencies()).singleElement().satisfies(d -> {
            assertThat(d.token()).isEqualTo(test.token());
            assertThat(d.artifactsFile().filename()).isEqualTo("artifacts.zip");
            assertThat(d.artifactsFile().size()).isEqualTo(content.length);
        });
        assertThat(http.updateJob(test, "running", "").statusCode()).isEqualTo(200);

        HttpResponse<byte[]> download = http.send(http.request("jobs/" + build.id() + "/artifacts")
                .header("JOB-TOKEN", test.token()).GET().build());
        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(header(download, "Content-Type")).isEqualTo("application/octet-stream");
        assertThat(header(download, "Content-Disposition")).contains("artifacts.zip");
        assertThat(download.body()).isEqualTo(content);

        // The finished job's own token is no longer good.
        assertThat(http.send(http.request("jobs/" + build.id() + "/artifacts")
                .header("JOB-TOKEN", build.token()).GET().build()).statusCode()).isEqualTo(403);
        assertThat(http.send(http.request("jobs/" + build.id() + "/artifacts")
                .header("JOB-TOKEN", "glcbt-bogus").GET().build()).statusCode()).isEqualTo(401);
    }

    @Test
    void directDownloadRedirectsToObjectStorageWithoutJobToken() {
        JobHandle build = runningJob(Jobs.job("build"));
        byte[] content = random(100_000);
        assertThat(upload(build, build.token(), null, List.of(), "a.zip", content).statusCode()).isEqualTo(201);

        HttpResponse<byte[]> redirect = http.send(http.request("jobs/" + build.id() + "/artifacts?direct_download=true")
                .header("JOB-TOKEN", build.token()).GET().build());
        assertThat(redirect.statusCode()).isEqualTo(302);
        String location = header(redirect, "Location");
        assertThat(location).startsWith(fake.url() + "object-storage/").contains("X-Amz-Signature=");

        HttpResponse<byte[]> object = http.send(http.request(location).GET().build());
        assertThat(object.statusCode()).isEqualTo(200);
        assertThat(object.body()).isEqualTo(content);
        RecordedRequest storage = fake.requests(Endpoint.OBJECT_STORAGE).get(0);
        assertThat(storage.hasHeader("JOB-TOKEN")).isFalse();
        assertThat(storage.status()).isEqualTo(200);

        HttpResponse<byte[]> ranged = http.send(http.request(location).header("Range", "bytes=10-19").GET().build());
        assertThat(ranged.statusCode()).isEqualTo(206);
        assertThat(ranged.body()).isEqualTo(java.util.Arrays.copyOfRange(content, 10, 20));

        String forged = location.replaceAll("X-Amz-Signature=[0-9a-f]+", "X-Amz-Signature=00");
        assertThat(http.send(http.request(forged).GET().build()).statusCode()).isEqualTo(403);
    }

    @Test
    void formFieldsTooLargeAndForbidden() {
        JobHandle job = runningJob(Jobs.job("report"));
        HttpResponse<byte[]> junit = upload(job, job.token(), null,
                List.of(new String[] {"artifact_type", "junit"}, new String[] {"artifact_format", "gzip"},
                        new String[] {"expire_in", "1 day"}), "junit.xml.gz", "<xml/>".getBytes(StandardCharsets.UTF_8));
        assertThat(junit.statusCode()).isEqualTo(201);
        assertThat(fake.artifacts(job.id())).singleElement().satisfies(a -> {
            assertThat(a.type()).isEqualTo("junit");
            assertThat(a.format()).isEqualTo("gzip");
            assertThat(a.expireIn()).isEqualTo("1 day");
        });

        // No archive artifact → 404 on download.
        assertThat(http.send(http.request("jobs/" + job.id() + "/artifacts").header("JOB-TOKEN", job.token())
                .GET().build()).statusCode()).isEqualTo(404);

        assertThat(upload(job, "glcbt-wrong", null, List.of(), "a.zip", new byte[10]).statusCode()).isEqualTo(403);
        assertThat(upload(job, null, null, List.of(), "a.zip", new byte[10]).statusCode()).isEqualTo(403);

        fake.maxArtifactSize(1024);
        HttpResponse<byte[]> tooLarge = upload(job, job.token(), null, List.of(), "a.zip", new byte[4096]);
        assertThat(tooLarge.statusCode()).isEqualTo(413);
        assertThat(fake.artifacts(job.id())).hasSize(1);
        assertThat(upload(job, job.token(), null, List.of(), "a.zip", new byte[1000]).statusCode()).isEqualTo(201);

        HttpResponse<byte[]> notMultipart = http.send(http.request("jobs/" + job.id() + "/artifacts")
                .header("JOB-TOKEN", job.token()).header("Content-Type", "application/zip")
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[10])).build());
        assertThat(notMultipart.statusCode()).isEqualTo(400);
    }
}
