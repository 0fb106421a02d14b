package org.cleverrunner.cache.s3;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The Ceph RGW that scripts/test-env.sh starts (scripts/rgw-env.sh: Cellar's own engine, one node), with a bucket of
 * this test's own, emptied and removed at close. Tests that use it fail, not skip, without it: run them through
 * {@code scripts/test.sh}.
 */
public final class CephRgw implements AutoCloseable {

    private final URI endpoint;
    private final String accessKey;
    private final String secretKey;
    private final String bucket;
    private final S3Client admin;

    public CephRgw(String bucketPrefix) {
        String url = System.getenv("CLEVER_RUNNER_TEST_RGW_ENDPOINT");
        Objects.requireNonNull(url, "scripts/test.sh starts a Ceph RGW (CLEVER_RUNNER_TEST_RGW_ENDPOINT is unset)");
        endpoint = URI.create(url);
        accessKey = System.getenv("CLEVER_RUNNER_TEST_RGW_ACCESS_KEY");
        secretKey = System.getenv("CLEVER_RUNNER_TEST_RGW_SECRET_KEY");
        bucket = bucketPrefix + "-" + Long.toHexString(System.nanoTime());
        admin = S3Client.builder().endpointOverride(endpoint).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey,
                        secretKey))).build();
        admin.createBucket(b -> b.bucket(bucket));
    }

    public String bucket() {
        return bucket;
    }

    public String address() {
        return endpoint.getAuthority();
    }

    public String secretKey() {
        return secretKey;
    }

    /** The `[runners.cache]` keys of a store on this RGW's bucket, as gitlab-runner's config.toml spells them. */
    public Map<String, String> cacheSettings() {
        Map<String, String> values = new HashMap<>(Map.of("Type", "s3", "s3.ServerAddress", address(),
                "s3.Insecure", "true", "s3.AccessKey", accessKey, "s3.SecretKey", secretKey, "s3.BucketName", bucket,
                "s3.BucketLocation", ""));
        return values;
    }

    /** The bytes of an object, read with the SDK apart from the store under test. */
    public byte[] object(String key) {
        return admin.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray();
    }

    public java.util.List<String> keys() {
        return admin.listObjectsV2(b -> b.bucket(bucket)).contents().stream().map(S3Object::key).toList();
    }

    @Override
    public void close() {
        ListObjectsV2Response listed = admin.listObjectsV2(b -> b.bucket(bucket));
        for (S3Object object : listed.contents()) {
            admin.deleteObject(b -> b.bucket(bucket).key(object.key()));
        }
        admin.deleteBucket(b -> b.bucket(bucket));
        admin.close();
    }
}
