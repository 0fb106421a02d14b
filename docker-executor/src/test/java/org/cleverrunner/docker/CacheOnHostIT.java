package org.cleverrunner.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.cleverrunner.cache.s3.RecordingProxy;
import org.cleverrunner.cache.s3.S3CacheStoreFactory;
import org.cleverrunner.cache.s3.S3Server;
import org.cleverrunner.docker.gateway.DockerGateway;
import org.cleverrunner.docker.internal.CacheTransferProtocol;
import org.cleverrunner.spi.CacheStore;
import org.cleverrunner.spi.CacheUrls;
import org.cleverrunner.spi.Host;
import org.cleverrunner.spi.JobContext;
import org.cleverrunner.spi.JobControl;
import org.cleverrunner.spi.JobOutcome;
import org.cleverrunner.spi.JobPlan;
import org.cleverrunner.spi.ProviderSettings;
import org.cleverrunner.spi.Secret;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The job cache on a VM's host: the executor talks to the Docker gateway (on loopback, in front of the real engine)
 * and the gateway moves the archive between the job's volume and a real S3 server (s3proxy behind a recording relay)
 * through the URLs the store signs. What the server sees is checked on the wire; the runner side sees only events.
 */
class CacheOnHostIT {

    static final String BUCKET = "vm-cache";
    static final String RUNNER = "ch" + Long.toHexString(System.nanoTime() & 0xffffff);
    static final String TOKEN = "gateway-token-" + Long.toHexString(System.nanoTime());
    static final AtomicLong JOB_IDS = new AtomicLong(50_000);

    static DockerGateway gateway;
    static Host host;
    static DockerExecutor executor;
    S3Server s3;
    RecordingProxy proxy;

    @BeforeAll
    static void startGateway() {
        String socket = TestDockerEngine.dockerHost();
        assertThat(socket).as("the gateway forwards to a unix socket").startsWith("unix://");
        gateway = DockerGateway.builder().bindAddress("127.0.0.1").port(0).token(Secret.of(TOKEN))
                .dockerSocket(Path.of(socket.substring("unix://".length()))).build().start();
        host = new Host("vm", URI.create("http://127.0.0.1:" + gateway.port()), Secret.of(TOKEN), null, Map.of());
        executor = DockerExecutor.builder().build();
    }

    @AfterAll
    static void stopGateway() {
        executor.sweep(host, RUNNER);
        gateway.close();
    }

    @BeforeEach
    void startS3() throws Exception {
        s3 = new S3Server(BUCKET);
        proxy = new RecordingProxy(s3.port());
    }

    @AfterEach
    void stopS3() throws Exception {
        proxy.close();
        s3.close();
    }

    CacheStore store(Map<String, String> overrides) {
        Map<String, String> values = new HashMap<>(Map.of("Type", "s3", "s3.ServerAddress", proxy.address(),
                "s3.Insecure", "true", "s3.AccessKey", S3Server.ACCESS_KEY, "s3.SecretKey", S3Server.SECRET_KEY,
                "s3.BucketName", BUCKET));
        values.putAll(overrides);
        return new S3CacheStoreFactory(Map.of()).create(new ProviderSettings("runners[0].cache", values));
    }

    static JobPlan plan(String policy, String... script) {
        return new JobPlan(RUNNER, JOB_IDS.incrementAndGet(), "cache", "group/project",
                JobPlan.ImageSpec.of(TestDockerEngine.BUSYBOX), List.of(),
                List.of(JobPlan.Variable.of("GIT_STRATEGY", "none")), null, List.of(script), List.of(),
                Duration.ofMinutes(2), Duration.ofSeconds(30),
                List.of(new JobPlan.CacheRule("deps", List.of("vendor/"), false, policy, "on_success", null)),
                null, null, null);
    }

    static DockerExecutorIT.Run run(JobPlan plan, CacheStore store) throws InterruptedException {
        RecordingTrace trace = new RecordingTrace();
        JobOutcome outcome = executor.run(plan, host, new JobContext(trace, store, null, new JobControl()));
        assertThat(outcome.status()).as(trace.text()).isEqualTo(JobOutcome.Status.SUCCESS);
        return new DockerExecutorIT.Run(outcome, trace);
    }

    static final String WRITE = "mkdir -p vendor && head -c 2097152 /dev/urandom > vendor/blob"
            + " && echo kept > vendor/dep.txt && sha256sum vendor/blob | cut -c1-64 > /tmp/sum"
            + " && echo WROTE=$(cat /tmp/sum)";
    static final String READ = "echo READ=$(sha256sum vendor/blob | cut -c1-64) DEP=$(cat vendor/dep.txt)";

    static String after(String text, String marker) {
        int at = text.lastIndexOf(marker); // the command line, echoed first, holds it too
        assertThat(at).as(marker + " in\n" + text).isNotNegative();
        return text.substring(at + marker.length(), at + marker.length() + 64);
    }

    @Test
    void theGatewayMovesTheArchiveBetweenTheVolumeAndTheBucket() throws Exception {
        long relayedBefore = gateway.relayedBytes();
        long movedBefore = gateway.cacheBytes();
        try (CacheStore store = store(Map.of())) {
            DockerExecutorIT.Run first = run(plan("pull-push", WRITE), store);
            DockerExecutorIT.Run second = run(plan("pull", READ), store);

            String text = first.trace().text();
            assertThat(text).contains("No cache found for deps", "Created cache deps: 2 file(s), 2.0 MiB");
            assertThat(second.trace().text()).contains("Downloaded cache deps: 2.0 MiB in ",
                    "Successfully extracted cache", "DEP=kept", "Not uploading cache deps due to policy");
            assertThat(after(second.trace().text(), "READ=")).isEqualTo(after(text, "WROTE="));
        }
        assertThat(gateway.cacheBytes() - movedBefore).as("down and up by the gateway")
                .isGreaterThan(2 * 2_097_152L);
        assertThat(gateway.relayedBytes() - relayedBefore).as("no archive relayed to the runner")
                .isLessThan(512 * 1024);
        List<RecordingProxy.Request> puts = proxy.requests().stream().filter(r -> r.method().equals("PUT")).toList();
        assertThat(puts).singleElement().satisfies(put -> {
            assertThat(put.target()).startsWith("/" + BUCKET + "/deps?").contains("X-Amz-Signature=");
            assertThat(Long.parseLong(put.header("content-length"))).isGreaterThan(2_097_152L);
            assertThat(put.header("transfer-encoding")).isNull();
            assertThat(put.header("user-agent")).as("sent by the gateway, not the SDK").contains("Java-http-client");
            assertThat(put.headers().keySet()).noneMatch(name -> name.startsWith("x-amz-checksum"));
        });
        assertThat(proxy.requests()).filteredOn(r -> r.method().equals("GET")).hasSize(2)
                .allSatisfy(get -> assertThat(get.header("user-agent")).contains("Java-http-client"));
    }

    @Test
    void anUploadTheServerFailsOnceIsRepeated() throws Exception {
        proxy.failNextPuts(1);
        try (CacheStore store = store(Map.of())) {
            DockerExecutorIT.Run first = run(plan("push", WRITE), store);
            assertThat(first.trace().text()).contains("Created cache deps: 2 file(s)").doesNotContain("WARNING");
            DockerExecutorIT.Run second = run(plan("pull", READ), store);
            assertThat(after(second.trace().text(), "READ=")).isEqualTo(after(first.trace().text(), "WROTE="));
        }
        assertThat(proxy.requests()).filteredOn(r -> r.method().equals("PUT")).hasSize(2);
        assertThat(s3.blobStore().list(BUCKET).contents()).hasSize(1);
    }

    @Test
    void wrongCredentialsAreAWarningAndTheJobStillSucceeds() throws Exception {
        String wrong = "Wr0ng-s3cr3t-n0t-t0-be-pr1nted";
        try (CacheStore store = store(Map.of("s3.SecretKey", wrong))) {
            String text = run(plan("pull-push", WRITE), store).trace().text();
            assertThat(text).contains("WARNING: failed to restore cache deps: GET http://" + proxy.address()
                    + "/" + BUCKET + "/deps: HTTP 403", "WARNING: failed to save cache deps: PUT http://");
            assertThat(text).doesNotContain(wrong, S3Server.SECRET_KEY, "X-Amz-Signature", "X-Amz-Credential");
        }
        assertThat(s3.blobStore().list(BUCKET).contents()).isEmpty();
    }

    @Test
    void anArchiveOverMaxUploadedArchiveSizeIsNotUploaded() throws Exception {
        try (CacheStore store = store(Map.of("MaxUploadedArchiveSize", "100000"))) {
            String text = run(plan("push", WRITE), store).trace().text();
            assertThat(text).contains("WARNING: cache deps is 2.0 MiB, over what the store takes");
        }
        assertThat(proxy.requests()).filteredOn(r -> r.method().equals("PUT")).isEmpty();
    }

    @Test
    void aCorruptArchiveIsSkippedAndTheJobRunsUncached() throws Exception {
        byte[] garbage = "PK\u0003\u0004 this is not the rest of a zip".getBytes(StandardCharsets.ISO_8859_1);
        try (CacheStore store = store(Map.of())) {
            store.save("deps", new ByteArrayInputStream(garbage), garbage.length);
            String text = run(plan("pull", "test ! -e vendor && echo UNCACHED"), store).trace().text();
            assertThat(text).contains("WARNING: failed to restore cache deps: ", "UNCACHED");
        }
    }

    @Test
    void anExpiredUrlIsRefusedByTheServerAndSaidSoWithoutTheSignature() throws Exception {
        CacheUrls urls;
        try (CacheStore store = store(Map.of())) {
            store.save("deps", new ByteArrayInputStream(new byte[] {1}), 1);
            urls = store.urls("deps", Duration.ofSeconds(1)).orElseThrow();
        }
        Thread.sleep(2_100);
        byte[] body = CacheTransferProtocol.JSON.writeValueAsBytes(new CacheTransferProtocol.RestoreRequest(
                "no-container-needed", urls.download().toString(), "/builds/group", "project", true, 0, 0));
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + gateway.port() + CacheTransferProtocol.RESTORE_PATH))
                .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).isEqualTo(200);
        String[] lines = answer.body().strip().split("\n");
        CacheTransferProtocol.Event done = CacheTransferProtocol.JSON.readValue(lines[lines.length - 1],
                CacheTransferProtocol.Event.class);
        assertThat(done.outcome()).isEqualTo(CacheTransferProtocol.Outcome.FAILED);
        assertThat(done.message()).contains("HTTP 403").doesNotContain("X-Amz-Signature", "Credential");
    }

    @Test
    void theCacheEndpointsWantTheToken() throws Exception {
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + gateway.port() + CacheTransferProtocol.SAVE_PATH))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).isEqualTo(401);
    }

    @Test
    void theGatewayMovesTheArchiveThroughCephRgwToo() throws Exception {
        try (org.cleverrunner.cache.s3.CephRgw rgw = new org.cleverrunner.cache.s3.CephRgw("vm-cache");
                CacheStore store = new S3CacheStoreFactory(Map.of()).create(new ProviderSettings("runners[0].cache",
                        rgw.cacheSettings()))) {
            long movedBefore = gateway.cacheBytes();
            DockerExecutorIT.Run first = run(plan("pull-push", WRITE), store);
            assertThat(first.trace().text()).contains("Created cache deps: 2 file(s)").doesNotContain("WARNING");
            DockerExecutorIT.Run second = run(plan("pull", READ), store);
            assertThat(after(second.trace().text(), "READ=")).isEqualTo(after(first.trace().text(), "WROTE="));
            assertThat(gateway.cacheBytes() - movedBefore).isGreaterThan(2 * 2_097_152L);
            assertThat(rgw.keys()).containsExactly("deps");
        }
    }

    @Test
    void tarZstdAtTheJobsLevelIsWrittenOnTheHostAndDetectedOnRestore() throws Exception {
        try (CacheStore store = store(Map.of())) {
            JobPlan zstd = plan("pull-push", WRITE + " && ln -s dep.txt vendor/link && ln -s /etc/passwd vendor/out")
                    .withVariable(JobPlan.Variable.of("CACHE_COMPRESSION_FORMAT", "tarzstd"))
                    .withVariable(JobPlan.Variable.of("CACHE_COMPRESSION_LEVEL", "fast"));
            DockerExecutorIT.Run first = run(zstd, store);
            assertThat(first.trace().text()).contains("Created cache deps: 4 file(s)");
            try (InputStream object = s3.blobStore().getBlob(BUCKET, "deps")) {
                assertThat(object.readNBytes(4)).as("zstd's magic").containsExactly(0x28, 0xB5, 0x2F, 0xFD);
            }
            // a link leading out is kept, as GitLab Runner keeps it: inside the container it is the container's file
            DockerExecutorIT.Run second = run(plan("pull", READ + " && echo LINK=$(cat vendor/link)"
                    + " && echo OUT=$(readlink vendor/out)"), store);
            assertThat(second.trace().text()).contains("LINK=kept", "OUT=/etc/passwd")
                    .doesNotContain("skipped symlink");
            assertThat(after(second.trace().text(), "READ=")).isEqualTo(after(first.trace().text(), "WROTE="));
        }
    }
}
