package org.cleverrunner.cache.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.cleverrunner.spi.CacheStore;
import org.cleverrunner.spi.CacheUrls;
import org.cleverrunner.spi.ProviderSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store against Ceph RGW itself (Cellar's engine, started by scripts/test-env.sh), through the recording relay:
 * the rules RGW enforces that s3proxy does not (it refuses aws-chunked bodies and the SDK's default checksums), on
 * the store's own uploads and on pre-signed ones.
 */
class CephRgwIT {

    CephRgw rgw;
    RecordingProxy proxy;

    @BeforeEach
    void start() throws Exception {
        rgw = new CephRgw("cache-it");
        proxy = new RecordingProxy(URI.create("http://" + rgw.address()).getPort());
    }

    @AfterEach
    void stop() throws Exception {
        proxy.close();
        rgw.close();
    }

    CacheStore store(Map<String, String> overrides) {
        Map<String, String> values = rgw.cacheSettings();
        values.put("s3.ServerAddress", proxy.address());
        values.putAll(overrides);
        return new S3CacheStoreFactory(Map.of()).create(new ProviderSettings("runners[0].cache", values));
    }

    @Test
    void theStoreUploadsAndDownloadsOnRgwWithOneLengthAndNoChecksum(@TempDir Path dir) throws Exception {
        byte[] bytes = new byte[3 * 1024 * 1024 + 5];
        new Random(7).nextBytes(bytes);
        Path file = Files.write(dir.resolve("cache.zip"), bytes);
        try (CacheStore store = store(Map.of("Path", "fleet"))) {
            store.save("runner/abcdefghi/project/42/deps-non_protected", file);
            store.save("runner/abcdefghi/project/42/streamed", new ByteArrayInputStream(bytes), -1);
            try (InputStream in = store.open("runner/abcdefghi/project/42/deps-non_protected").orElseThrow()) {
                assertThat(in.readAllBytes()).isEqualTo(bytes);
            }
            assertThat(store.open("runner/abcdefghi/project/42/missing")).isEmpty();
        }
        assertThat(rgw.keys()).containsExactlyInAnyOrder("fleet/runner/abcdefghi/project/42/deps-non_protected",
                "fleet/runner/abcdefghi/project/42/streamed");
        assertThat(rgw.object("fleet/runner/abcdefghi/project/42/streamed")).isEqualTo(bytes);
        assertThat(proxy.requests()).filteredOn(r -> r.method().equals("PUT")).hasSize(2).allSatisfy(put -> {
            assertThat(put.header("content-length")).isEqualTo(Integer.toString(bytes.length));
            assertThat(String.valueOf(put.header("content-encoding"))).doesNotContainIgnoringCase("aws-chunked");
            assertThat(put.headers().keySet()).noneMatch(name -> name.startsWith("x-amz-checksum-"));
        });
    }

    @Test
    void preSignedUrlsWorkOnRgwAndExpire() throws Exception {
        byte[] bytes = "a cache archive moved by the VM".getBytes();
        HttpClient http = HttpClient.newHttpClient();
        CacheUrls urls;
        CacheUrls shortLived;
        try (CacheStore store = store(Map.of())) {
            urls = store.urls("project/9/deps", Duration.ofMinutes(10)).orElseThrow();
            shortLived = store.urls("project/9/deps", Duration.ofSeconds(1)).orElseThrow();
        }
        assertThat(http.send(HttpRequest.newBuilder(urls.download()).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode()).isEqualTo(404);
        HttpRequest.Builder put = HttpRequest.newBuilder(urls.upload()).PUT(HttpRequest.BodyPublishers.ofByteArray(bytes));
        urls.uploadHeaders().forEach(put::header);
        HttpResponse<String> stored = http.send(put.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(stored.statusCode()).as(stored.body()).isEqualTo(200);
        assertThat(rgw.object("project/9/deps")).isEqualTo(bytes);
        assertThat(http.send(HttpRequest.newBuilder(urls.download()).build(), HttpResponse.BodyHandlers.ofByteArray())
                .body()).isEqualTo(bytes);

        Thread.sleep(2_100);
        HttpResponse<String> expired = http.send(HttpRequest.newBuilder(shortLived.download()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(expired.statusCode()).isEqualTo(403);
        assertThat(expired.body()).contains("AccessDenied");
    }

    @Test
    void wrongCredentialsOnRgwAreAClearErrorWithoutTheSecret() {
        String wrong = "Wr0ng-rgw-s3cr3t-never-printed";
        try (CacheStore store = store(Map.of("s3.SecretKey", wrong))) {
            assertThatThrownBy(() -> store.save("project/1/deps", new ByteArrayInputStream(new byte[10]), 10))
                    .isInstanceOf(S3CacheException.class).hasMessageContaining("HTTP 403")
                    .hasMessageNotContaining(wrong).hasMessageNotContaining(rgw.secretKey());
        }
        assertThat(rgw.keys()).isEmpty();
    }
}
