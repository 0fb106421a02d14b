package org.cleverrunner.cache.s3;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.cleverrunner.spi.CacheStore;
import org.cleverrunner.spi.CacheUrls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.s3.presigner.model.GetObjectPresignRequest;
import software.amazon.awssdk.services.s3.presigner.model.PresignedGetObjectRequest;
import software.amazon.awssdk.services.s3.presigner.model.PresignedPutObjectRequest;
import software.amazon.awssdk.services.s3.presigner.model.PutObjectPresignRequest;

/**
 * Job caches as objects of one S3 bucket, named {@code [Path/]<key>} where the engine's key already is
 * gitlab-runner's {@code [runner/<short token>/]project/<id>/<key>}: no suffix, so a fleet moving from gitlab-runner
 * keeps its caches. Each archive is one PUT with a known Content-Length (no multipart: Cellar has no STS, and
 * gitlab-runner uploads so), without aws-chunked encoding or checksum headers (Ceph RGW refuses them); a download
 * streams. Thread-safe and immutable; {@link #close()} closes the HTTP client.
 */
public final class S3CacheStore implements CacheStore {

    /** The largest object a single S3 PUT takes. */
    public static final long MAX_SINGLE_PUT = 5L * 1024 * 1024 * 1024;

    /** The longest validity SigV4 allows for a pre-signed URL. */
    static final Duration MAX_PRESIGN = Duration.ofDays(7);
    private static final String CONTENT_TYPE = "application/zip";

    private static final Logger LOG = LoggerFactory.getLogger(S3CacheStore.class);

    private final S3CacheSettings settings;
    private final S3Client client;
    private final S3Presigner presigner;

    public S3CacheStore(S3CacheSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        StaticCredentialsProvider credentials = StaticCredentialsProvider.create(
                AwsBasicCredentials.create(settings.accessKey(), settings.secretKey().reveal()));
        this.client = S3Client.builder()
                .endpointOverride(settings.endpoint())
                .region(Region.of(settings.region()))
                .credentialsProvider(credentials)
                .forcePathStyle(settings.pathStyle())
                // SDK >= 2.30 adds CRC32 trailers to every put and validates gets: Ceph RGW (Cellar) refuses the
                // aws-chunked bodies (MissingContentLength, bare 400s); only send checksums an operation requires
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                // no aws-chunked signed chunks either (over http the SDK would use them): one body, one length
                .serviceConfiguration(S3Configuration.builder().chunkedEncodingEnabled(false).build())
                .httpClientBuilder(ApacheHttpClient.builder()
                        .connectionTimeout(settings.connectTimeout())
                        .socketTimeout(settings.readTimeout())
                        .expectContinueEnabled(true))
                .build();
        this.presigner = S3Presigner.builder()
                .endpointOverride(settings.endpoint())
                .region(Region.of(settings.region()))
                .credentialsProvider(credentials)
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(settings.pathStyle())
                        .chunkedEncodingEnabled(false).build())
                .build();
    }

    /** The object name of a key: {@code [Path/]key}; a key with an empty, {@code .} or {@code ..} segment is refused. */
    String objectName(String key) {
        Objects.requireNonNull(key, "key");
        if (key.isBlank()) {
            throw new S3CacheException("a cache key cannot be blank");
        }
        for (String segment : key.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw new S3CacheException("cache key '" + key + "' is refused: it has an empty, '.' or '..'"
                        + " segment");
            }
        }
        return settings.pathPrefix().isEmpty() ? key : settings.pathPrefix() + "/" + key;
    }

    @Override
    public Optional<InputStream> open(String key) throws IOException {
        String name = objectName(key);
        try {
            return Optional.of(client.getObject(GetObjectRequest.builder().bucket(settings.bucket()).key(name)
                    .build()));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw failure("cannot read", name, e);
        } catch (SdkException e) {
            throw failure("cannot read", name, e);
        }
    }

    @Override
    public void save(String key, Path archive) throws IOException {
        String name = objectName(key);
        long length = Files.size(archive);
        checkSize(name, length);
        put(name, RequestBody.fromFile(archive), length);
    }

    /**
     * Over https with a known length, the stream goes to the server as it is read (an upload failing past its
     * first 128 KiB is then not retried: the SDK marks no further back); otherwise (unknown length, or http, where
     * the SDK hashes the body before sending it) it is first spooled to a temporary file. The executors hand a file
     * ({@link #save(String, Path)}), which every retry reads again.
     */
    @Override
    public void save(String key, InputStream archive, long length) throws IOException {
        String name = objectName(key);
        if (length >= 0) {
            checkSize(name, length);
        }
        if (length >= 0 && "https".equals(settings.endpoint().getScheme())) {
            put(name, RequestBody.fromInputStream(archive, length), length);
            return;
        }
        Path spool = Files.createTempFile("clever-runner-s3-cache", ".zip");
        try {
            Files.copy(archive, spool, StandardCopyOption.REPLACE_EXISTING);
            save(key, spool);
        } finally {
            Files.deleteIfExists(spool);
        }
    }

    private void put(String name, RequestBody body, long length) {
        try {
            client.putObject(PutObjectRequest.builder().bucket(settings.bucket()).key(name).contentLength(length)
                    .contentType(CONTENT_TYPE).build(), body);
            LOG.debug("cache saved to s3://{}/{} ({} bytes)", settings.bucket(), name, length);
        } catch (SdkException e) {
            throw failure("cannot save", name, e);
        }
    }

    private void checkSize(String name, long length) {
        if (length > MAX_SINGLE_PUT) {
            throw new S3CacheException("cache archive of " + length + " bytes is over the 5 GiB a single S3 upload"
                    + " takes: not uploaded to s3://" + settings.bucket() + "/" + name);
        }
        if (settings.maxUploadedArchiveSize() > 0 && length > settings.maxUploadedArchiveSize()) {
            throw new S3CacheException("cache archive of " + length + " bytes is over MaxUploadedArchiveSize ("
                    + settings.maxUploadedArchiveSize() + " bytes): not uploaded to s3://" + settings.bucket() + "/"
                    + name);
        }
    }

    /** A message naming the object, the status and S3's error code, scrubbed of the secret key. */
    private S3CacheException failure(String what, String name, SdkException e) {
        StringBuilder message = new StringBuilder(what).append(" cache s3://").append(settings.bucket()).append('/')
                .append(name).append(" at ").append(settings.endpoint()).append(": ");
        if (e instanceof S3Exception s3) {
            message.append("HTTP ").append(s3.statusCode());
            if (s3.awsErrorDetails() != null && s3.awsErrorDetails().errorCode() != null) {
                message.append(' ').append(s3.awsErrorDetails().errorCode());
            }
            if (s3.statusCode() == 403) {
                message.append(" (check the access key, the secret key and the bucket's policy)");
            }
        } else if (e instanceof SdkClientException) {
            message.append(e.getMessage() == null ? e.getClass().getSimpleName() : firstLine(e.getMessage()));
        } else {
            message.append(e.getClass().getSimpleName());
        }
        String text = message.toString().replace(settings.secretKey().reveal(), "[MASKED]");
        // the cause carries the SDK's own message (request id…); S3's error messages never hold the secret key
        return new S3CacheException(text, e);
    }

    private static String firstLine(String text) {
        int end = text.indexOf('\n');
        return end < 0 ? text : text.substring(0, end);
    }

    /**
     * A GET and a PUT pre-signed for {@code validity} (at most S3's 7 days), as GitLab Runner's manager signs them
     * for its helper: the PUT signs only its Content-Type, never a checksum (Ceph RGW refuses the SDK's default
     * CRC32 on pre-signed uploads), so the job's host sends one body with its Content-Length.
     */
    @Override
    public Optional<CacheUrls> urls(String key, Duration validity) {
        String name = objectName(key);
        Duration bounded = validity.compareTo(MAX_PRESIGN) > 0 ? MAX_PRESIGN
                : validity.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : validity;
        try {
            PresignedGetObjectRequest get = presigner.presignGetObject(GetObjectPresignRequest.builder()
                    .signatureDuration(bounded)
                    .getObjectRequest(GetObjectRequest.builder().bucket(settings.bucket()).key(name).build())
                    .build());
            PresignedPutObjectRequest put = presigner.presignPutObject(PutObjectPresignRequest.builder()
                    .signatureDuration(bounded)
                    .putObjectRequest(PutObjectRequest.builder().bucket(settings.bucket()).key(name)
                            .contentType(CONTENT_TYPE).build())
                    .build());
            Map<String, String> headers = new LinkedHashMap<>();
            put.signedHeaders().forEach((header, values) -> {
                if (!header.equalsIgnoreCase("host")) {
                    headers.put(header, String.join(",", values));
                }
            });
            long max = settings.maxUploadedArchiveSize() > 0
                    ? Math.min(settings.maxUploadedArchiveSize(), MAX_SINGLE_PUT) : MAX_SINGLE_PUT;
            return Optional.of(new CacheUrls(get.url().toURI(), put.url().toURI(), headers, put.expiration(), max));
        } catch (java.net.URISyntaxException | SdkException e) {
            throw new S3CacheException("cannot sign URLs for cache s3://" + settings.bucket() + "/" + name + ": "
                    + e.getClass().getSimpleName(), e);
        }
    }

    @Override
    public void close() {
        presigner.close();
        client.close();
    }

    @Override
    public String toString() {
        return "s3://" + settings.bucket() + "/" + settings.pathPrefix() + " at " + settings.endpoint();
    }
}
