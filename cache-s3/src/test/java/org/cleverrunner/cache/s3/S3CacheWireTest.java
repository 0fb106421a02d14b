package org.cleverrunner.cache.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.time.Instant;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.cleverrunner.spi.CacheStore;
import org.cleverrunner.spi.CacheUrls;
import org.cleverrunner.spi.ProviderSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What crosses the wire between the store and a real S3 server (s3proxy behind a recording relay): the rules Ceph RGW
 * (Cellar) needs, failures and their messages, object names.
 */
class S3CacheWireTest {

    private static final String BUCKET = "wire-bucket";

    private S3Server server;
    private RecordingProxy proxy;

    @BeforeEach
    void start() throws Exception {
        server = new S3Server(BUCKET);
        proxy = new RecordingProxy(server.port());
    }

    @AfterEach
    void stop() throws Exception {
        proxy.close();
        server.close();
    }

    private CacheStore store(Map<String, String> overrides) {
        Map<String, String> values = new HashMap<>(Map.of("Type", "s3",
                "s3.ServerAddress", proxy.address(), "s3.Insecure", "true",
                "s3.AccessKey", S3Server.ACCESS_KEY, "s3.SecretKey", S3Server.SECRET_KEY,
                "s3.BucketName", BUCKET, "s3.BucketLocation", ""));
        values.putAll(overrides);
        return new S3CacheStoreFactory(Map.of()).create(new ProviderSettings("runners[0].cache", values));
    }

    private static byte[] random(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }

    private byte[] stored(String name) throws Exception {
        try (InputStream in = server.blobStore().getBlob(BUCKET, name)) {
            return in.readAllBytes();
        }
    }

    @Test
    void everyPutHasAContentLengthAndNoChunkedBodyOrChecksum(@TempDir Path dir) throws Exception {
        byte[] bytes = random(3 * 1024 * 1024);
        Path file = Files.write(dir.resolve("cache.zip"), bytes);
        try (CacheStore store = store(Map.of())) {
            store.save("runner/abcdefghi/project/42/deps", file);
            store.save("runner/abcdefghi/project/42/streamed", new ByteArrayInputStream(bytes), bytes.length);
            store.save("runner/abcdefghi/project/42/unknown", new ByteArrayInputStream(bytes), -1);
            try (InputStream in = store.open("runner/abcdefghi/project/42/deps").orElseThrow()) {
                assertThat(in.readAllBytes()).isEqualTo(bytes);
            }
        }

        List<RecordingProxy.Request> puts = proxy.requests().stream().filter(r -> r.method().equals("PUT")).toList();
        assertThat(puts).hasSize(3).allSatisfy(put -> {
            assertThat(put.header("content-length")).as("Content-Length").isEqualTo(Integer.toString(bytes.length));
            assertThat(put.header("transfer-encoding")).as("Transfer-Encoding").isNull();
            assertThat(String.valueOf(put.header("content-encoding"))).as("Content-Encoding")
                    .doesNotContainIgnoringCase("aws-chunked");
            assertThat(put.header("x-amz-content-sha256")).as("x-amz-content-sha256").doesNotStartWith("STREAMING");
            assertThat(put.header("x-amz-decoded-content-length")).isNull();
            assertThat(put.header("x-amz-trailer")).isNull();
            assertThat(put.header("x-amz-sdk-checksum-algorithm")).isNull();
            assertThat(put.headers().keySet()).noneMatch(name -> name.startsWith("x-amz-checksum-"));
        });
        assertThat(proxy.requests()).filteredOn(r -> r.method().equals("GET")).allSatisfy(get ->
                assertThat(get.headers().keySet()).doesNotContain("x-amz-checksum-mode"));
        assertThat(stored("runner/abcdefghi/project/42/deps")).isEqualTo(bytes);
    }

    @Test
    void objectsAreNamedAsGitlabRunnerNamesThemUnderPath() throws Exception {
        byte[] bytes = "zip".getBytes();
        try (CacheStore store = store(Map.of("Path", "fleet/caches/"))) {
            store.save("runner/abcdefghi/project/42/deps-non_protected", new ByteArrayInputStream(bytes), 3);
        }

        assertThat(server.blobStore().list(BUCKET).contents()).extracting(o -> o.key())
                .containsExactly("fleet/caches/runner/abcdefghi/project/42/deps-non_protected");
    }

    @Test
    void aMissingObjectIsNotFound() throws Exception {
        try (CacheStore store = store(Map.of())) {
            assertThat(store.open("project/1/nothing")).isEqualTo(Optional.empty());
        }
    }

    @Test
    void wrongCredentialsAreAClearErrorWithoutTheSecret() {
        String wrong = "Wr0ng-s3cr3t-Never-Printed";
        try (CacheStore store = store(Map.of("s3.SecretKey", wrong))) {
            assertThatThrownBy(() -> store.save("project/1/deps", new ByteArrayInputStream(new byte[10]), 10))
                    .isInstanceOf(S3CacheException.class)
                    .hasMessageContaining("s3://" + BUCKET + "/project/1/deps")
                    .hasMessageContaining("HTTP 403")
                    .hasMessageNotContaining(wrong).hasMessageNotContaining(S3Server.SECRET_KEY)
                    .hasMessageNotContaining("Signature=");
            assertThatThrownBy(() -> store.open("project/1/deps"))
                    .isInstanceOf(S3CacheException.class).hasMessageContaining("HTTP 403")
                    .hasMessageNotContaining(wrong);
        }
    }

    @Test
    void anUploadFailingOnceIsRetriedIntoOneWholeObject(@TempDir Path dir) throws Exception {
        byte[] bytes = random(2 * 1024 * 1024 + 17);
        Path file = Files.write(dir.resolve("cache.zip"), bytes);
        proxy.failNextPuts(1);
        try (CacheStore store = store(Map.of())) {
            store.save("project/7/deps", file);
        }

        assertThat(proxy.requests()).filteredOn(r -> r.method().equals("PUT")).hasSize(2);
        assertThat(stored("project/7/deps")).isEqualTo(bytes);
        assertThat(server.blobStore().list(BUCKET).contents()).hasSize(1);
    }

    @Test
    void aKeyWithDotDotIsRefusedBeforeAnyRequest() {
        try (CacheStore store = store(Map.of())) {
            for (String key : List.of("project/1/../2/deps", "..", "project//deps", "/abs")) {
                assertThatThrownBy(() -> store.save(key, new ByteArrayInputStream(new byte[1]), 1))
                        .as(key).isInstanceOf(S3CacheException.class).hasMessageContaining("refused");
                assertThatThrownBy(() -> store.open(key)).as(key).isInstanceOf(S3CacheException.class);
            }
        }
        assertThat(proxy.requests()).isEmpty();
    }

    @Test
    void tooLargeArchivesStayOut() {
        try (CacheStore store = store(Map.of("MaxUploadedArchiveSize", "100"))) {
            assertThatThrownBy(() -> store.save("project/1/big", new ByteArrayInputStream(new byte[101]), 101))
                    .isInstanceOf(S3CacheException.class).hasMessageContaining("MaxUploadedArchiveSize (100 bytes)");
            assertThatThrownBy(() -> store.save("project/1/huge", InputStream.nullInputStream(),
                    S3CacheStore.MAX_SINGLE_PUT + 1)).isInstanceOf(S3CacheException.class)
                    .hasMessageContaining("5 GiB");
        }
        assertThat(proxy.requests()).isEmpty();
    }

    @Test
    void anUnreachableServerNamesTheObject() throws Exception {
        proxy.close();
        try (CacheStore store = store(Map.of())) {
            assertThatThrownBy(() -> store.open("project/1/deps")).isInstanceOf(S3CacheException.class)
                    .hasMessageContaining("s3://" + BUCKET + "/project/1/deps");
        }
    }

    @Test
    void preSignedUrlsCarryNoChecksumAndMoveAnArchiveWithoutTheStore() throws Exception {
        byte[] bytes = random(1024 * 1024 + 3);
        HttpClient http = HttpClient.newHttpClient();
        CacheUrls urls;
        try (CacheStore store = store(Map.of("Path", "fleet"))) {
            urls = store.urls("project/42/deps", Duration.ofMinutes(30)).orElseThrow();
        }
        for (URI url : List.of(urls.download(), urls.upload())) {
            assertThat(url.getRawQuery()).contains("X-Amz-Signature=").doesNotContainIgnoringCase("checksum")
                    .contains("X-Amz-Expires=1800");
            assertThat(url.getRawPath()).endsWith("/" + BUCKET + "/fleet/project/42/deps");
        }
        assertThat(urls.toString()).doesNotContain("X-Amz-Signature", "Credential", S3Server.ACCESS_KEY);
        assertThat(urls.expires()).isAfter(Instant.now().plus(Duration.ofMinutes(29)));
        assertThat(http.send(HttpRequest.newBuilder(urls.download()).build(), BodyHandlers.discarding()).statusCode())
                .as("no cache yet").isEqualTo(404);

        HttpRequest.Builder put = HttpRequest.newBuilder(urls.upload()).PUT(BodyPublishers.ofByteArray(bytes));
        urls.uploadHeaders().forEach(put::header);
        assertThat(http.send(put.build(), BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        HttpResponse<byte[]> got = http.send(HttpRequest.newBuilder(urls.download()).build(), BodyHandlers.ofByteArray());
        assertThat(got.statusCode()).isEqualTo(200);
        assertThat(got.body()).isEqualTo(bytes);
        assertThat(stored("fleet/project/42/deps")).isEqualTo(bytes);
        RecordingProxy.Request upload = proxy.requests().stream().filter(r -> r.method().equals("PUT")).findFirst()
                .orElseThrow();
        assertThat(upload.header("content-length")).isEqualTo(Integer.toString(bytes.length));
        assertThat(upload.headers().keySet()).noneMatch(name -> name.startsWith("x-amz-checksum-")
                || name.equals("x-amz-sdk-checksum-algorithm"));
    }

    @Test
    void anExpiredPreSignedUrlIsRefused() throws Exception {
        CacheUrls urls;
        try (CacheStore store = store(Map.of())) {
            urls = store.urls("project/42/deps", Duration.ofSeconds(1)).orElseThrow();
        }
        Thread.sleep(2_100);
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(urls.download()).build(),
                BodyHandlers.ofString());
        assertThat(answer.statusCode()).isEqualTo(403);
        assertThat(answer.body()).contains("AccessDenied");
    }
}
