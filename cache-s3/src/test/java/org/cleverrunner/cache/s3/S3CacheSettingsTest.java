package org.cleverrunner.cache.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.cleverrunner.spi.CacheStoreFactory;
import org.cleverrunner.spi.ProviderSettings;
import org.cleverrunner.spi.Providers;
import org.junit.jupiter.api.Test;

class S3CacheSettingsTest {

    private static final String SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY";

    private static ProviderSettings settings(Map<String, String> values) {
        return new ProviderSettings("runners[0].cache", values);
    }

    private static Map<String, String> cellar() {
        Map<String, String> values = new HashMap<>();
        values.put("Type", "s3");
        values.put("s3.ServerAddress", "cellar-c2.services.clever-cloud.com");
        values.put("s3.AccessKey", "AKID");
        values.put("s3.SecretKey", SECRET);
        values.put("s3.BucketName", "my-runner-cache");
        return values;
    }

    @Test
    void foundByItsServiceLoaderId() {
        assertThat(Providers.find(CacheStoreFactory.class, "s3")).isInstanceOf(S3CacheStoreFactory.class);
    }

    @Test
    void gitlabRunnersKeysForCellar() {
        Map<String, String> values = cellar();
        values.put("Path", "/fleet/");
        values.put("MaxUploadedArchiveSize", "1048576");
        values.put("s3.AuthenticationType", "access-key");
        values.put("s3.BucketLocation", "");
        values.put("Shared", "true");

        S3CacheSettings parsed = S3CacheSettings.parse(settings(values), Map.of());

        assertThat(parsed.endpoint()).isEqualTo(URI.create("https://cellar-c2.services.clever-cloud.com"));
        assertThat(parsed.region()).isEqualTo("us-east-1");
        assertThat(parsed.bucket()).isEqualTo("my-runner-cache");
        assertThat(parsed.pathPrefix()).isEqualTo("fleet");
        assertThat(parsed.pathStyle()).isFalse();
        assertThat(parsed.maxUploadedArchiveSize()).isEqualTo(1048576);
        assertThat(parsed.toString()).doesNotContain(SECRET);
    }

    @Test
    void port443IsStrippedAndInsecureMeansHttp() {
        assertThat(S3CacheSettings.endpoint("cellar-c2.services.clever-cloud.com:443", false))
                .isEqualTo(URI.create("https://cellar-c2.services.clever-cloud.com"));
        assertThat(S3CacheSettings.endpoint("https://cellar-c2.services.clever-cloud.com:443/", false))
                .isEqualTo(URI.create("https://cellar-c2.services.clever-cloud.com"));
        assertThat(S3CacheSettings.endpoint("minio.local:9000", true)).isEqualTo(URI.create("http://minio.local:9000"));
        assertThat(S3CacheSettings.endpoint("http://minio.local:9000", false))
                .isEqualTo(URI.create("http://minio.local:9000"));
        assertThat(S3CacheSettings.endpoint("minio.local/bucket", false)).isNull();
    }

    @Test
    void dottedBucketNamesGoPathStyle() {
        Map<String, String> values = cellar();
        values.put("s3.BucketName", "cache.example.com");

        assertThat(S3CacheSettings.parse(settings(values), Map.of()).pathStyle()).isTrue();
        values.put("s3.BucketName", "plain");
        values.put("s3.PathStyle", "true");
        assertThat(S3CacheSettings.parse(settings(values), Map.of()).pathStyle()).isTrue();
    }

    @Test
    void cellarAddOnVariablesAreTheFallback() {
        Map<String, String> values = new HashMap<>(Map.of("Type", "s3", "s3.BucketName", "runner-cache"));
        Map<String, String> env = Map.of("CELLAR_ADDON_HOST", "https://cellar-c2.services.clever-cloud.com",
                "CELLAR_ADDON_KEY_ID", "CELLARKEY", "CELLAR_ADDON_KEY_SECRET", SECRET);

        S3CacheSettings parsed = S3CacheSettings.parse(settings(values), env);

        assertThat(parsed.endpoint()).isEqualTo(URI.create("https://cellar-c2.services.clever-cloud.com"));
        assertThat(parsed.accessKey()).isEqualTo("CELLARKEY");
        assertThat(parsed.secretKey().reveal()).isEqualTo(SECRET);
        assertThat(S3CacheSettings.parse(settings(values), Map.of("CELLAR_ADDON_HOST",
                "cellar-c2.services.clever-cloud.com", "CELLAR_ADDON_KEY_ID", "K", "CELLAR_ADDON_KEY_SECRET", "S"))
                .endpoint()).isEqualTo(URI.create("https://cellar-c2.services.clever-cloud.com"));
    }

    @Test
    void everyProblemWithItsPathAndNoSecret() {
        Map<String, String> values = new HashMap<>();
        values.put("Type", "s3");
        values.put("Path", "a/../b");
        values.put("MaxUploadedArchiveSize", "-1");
        values.put("s3.SecretKey", SECRET);
        values.put("s3.Insecure", "maybe");
        values.put("s3.AuthenticationType", "iam");
        values.put("s3.RoleARN", "arn:aws:iam::1:role/x");
        values.put("s3.BuckteName", "typo");

        List<String> problems = new S3CacheStoreFactory(Map.of()).validate(settings(values));

        assertThat(problems).contains("runners[0].cache.s3.BucketName: required",
                "runners[0].cache.s3.BuckteName: unknown key");
        assertThat(problems).anyMatch(p -> p.startsWith("runners[0].cache.s3.ServerAddress: required"));
        assertThat(problems).anyMatch(p -> p.startsWith("runners[0].cache.s3.AccessKey: required"));
        assertThat(problems).anyMatch(p -> p.startsWith("runners[0].cache.s3.Insecure: must be true or false"));
        assertThat(problems).anyMatch(p -> p.startsWith("runners[0].cache.s3.AuthenticationType: must be access-key"));
        assertThat(problems).anyMatch(p -> p.startsWith("runners[0].cache.s3.RoleARN: STS roles are not supported"));
        assertThat(problems).anyMatch(p -> p.startsWith("runners[0].cache.Path: must be an object-name prefix"));
        assertThat(problems).anyMatch(p -> p.startsWith("runners[0].cache.MaxUploadedArchiveSize: must be"));
        assertThat(problems).hasSize(9).allSatisfy(p -> assertThat(p).doesNotContain(SECRET));
        assertThatThrownBy(() -> new S3CacheStoreFactory(Map.of()).create(settings(values)))
                .isInstanceOf(S3CacheException.class).hasMessageContaining("s3.BucketName: required")
                .hasMessageNotContaining(SECRET);
    }

    @Test
    void aBucketNameS3WouldRefuse() {
        Map<String, String> values = cellar();
        values.put("s3.BucketName", "My_Bucket");

        assertThat(new S3CacheStoreFactory(Map.of()).validate(settings(values))).singleElement().asString()
                .startsWith("runners[0].cache.s3.BucketName: must be an S3 bucket name");
    }
}
