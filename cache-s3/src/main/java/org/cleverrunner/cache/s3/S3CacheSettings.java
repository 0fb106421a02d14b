package org.cleverrunner.cache.s3;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.cleverrunner.spi.ProviderSettings;
import org.cleverrunner.spi.Secret;

/**
 * The settings of an S3 cache, read from gitlab-runner's {@code [runners.cache]} and {@code [runners.cache.s3]}
 * keys (flat: {@code Path}, {@code MaxUploadedArchiveSize}, {@code s3.BucketName}…) with a Clever Cloud Cellar
 * add-on's variables ({@code CELLAR_ADDON_HOST}, {@code CELLAR_ADDON_KEY_ID}, {@code CELLAR_ADDON_KEY_SECRET}) as
 * the fallback of the server and the keys. Immutable; {@link #toString()} masks the secret key.
 *
 * @param endpoint {@code https://host[:port]} ({@code http://} when {@code Insecure}), {@code :443} stripped
 * @param region the signing region: {@code BucketLocation}, {@code us-east-1} when empty (Cellar ignores it)
 * @param bucket the bucket
 * @param accessKey the access key id
 * @param secretKey the secret access key
 * @param pathPrefix {@code Path} without leading or trailing slashes, or empty
 * @param pathStyle path-style addressing ({@code PathStyle}, or forced by a dotted bucket name)
 * @param maxUploadedArchiveSize {@code MaxUploadedArchiveSize} in bytes, 0 for no limit of ours
 * @param connectTimeout the TCP connection timeout
 * @param readTimeout the longest silence of the server while a response is read
 */
public record S3CacheSettings(URI endpoint, String region, String bucket, String accessKey, Secret secretKey,
        String pathPrefix, boolean pathStyle, long maxUploadedArchiveSize, Duration connectTimeout,
        Duration readTimeout) {

    /** gitlab-runner's default when the location is not given (it asks GetBucketLocation; Cellar ignores it). */
    public static final String DEFAULT_REGION = "us-east-1";

    static final Set<String> S3_KEYS = Set.of("ServerAddress", "AccessKey", "SecretKey", "SessionToken",
            "BucketName", "BucketLocation", "Insecure", "PathStyle", "AuthenticationType", "ServerSideEncryption",
            "ServerSideEncryptionKeyID", "RoleARN", "UploadRoleARN", "DualStack", "Accelerate");
    /** gitlab-runner keys this store knows but does not support, with the reason. */
    static final Map<String, String> UNSUPPORTED = Map.of(
            "SessionToken", "temporary credentials are not supported; use AccessKey and SecretKey",
            "ServerSideEncryption", "server-side encryption is not supported by this runner yet",
            "ServerSideEncryptionKeyID", "server-side encryption is not supported by this runner yet",
            "RoleARN", "STS roles are not supported (Cellar has no STS); use AccessKey and SecretKey",
            "UploadRoleARN", "STS roles are not supported (Cellar has no STS); use AccessKey and SecretKey",
            "DualStack", "dual-stack AWS endpoints are not supported; set ServerAddress",
            "Accelerate", "S3 transfer acceleration is not supported; set ServerAddress");
    /** The cache-level keys the configuration layer hands over with the s3 table. */
    static final Set<String> CACHE_KEYS = Set.of("Type", "Shared", "Path", "MaxUploadedArchiveSize");

    public static final String CELLAR_HOST = "CELLAR_ADDON_HOST";
    public static final String CELLAR_KEY_ID = "CELLAR_ADDON_KEY_ID";
    public static final String CELLAR_KEY_SECRET = "CELLAR_ADDON_KEY_SECRET";

    // S3's bucket naming rules (3 to 63 characters, lower case, digits, dots and dashes, no "..")
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

    public S3CacheSettings {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(accessKey, "accessKey");
        Objects.requireNonNull(secretKey, "secretKey");
        pathPrefix = pathPrefix == null ? "" : pathPrefix;
        connectTimeout = connectTimeout == null ? Duration.ofSeconds(10) : connectTimeout;
        readTimeout = readTimeout == null ? Duration.ofMinutes(2) : readTimeout;
    }

    /** The settings, or an exception listing every problem; see {@link #read(ProviderSettings, Map, List)}. */
    public static S3CacheSettings parse(ProviderSettings settings, Map<String, String> env) {
        List<String> problems = new ArrayList<>();
        S3CacheSettings parsed = read(settings, env, problems);
        if (!problems.isEmpty()) {
            throw new S3CacheException("invalid S3 cache settings: " + String.join("; ", problems));
        }
        return parsed;
    }

    /**
     * Reads the settings, adding each problem with its key's path to {@code problems} (never a secret's value);
     * null when there is any.
     */
    public static S3CacheSettings read(ProviderSettings settings, Map<String, String> env, List<String> problems) {
        int before = problems.size();
        String prefix = settings.prefix();
        for (String key : settings.values().keySet()) {
            if (key.startsWith("s3.")) {
                String name = key.substring(3);
                if (!S3_KEYS.contains(name)) {
                    problems.add(path(prefix, key) + ": unknown key");
                } else if (UNSUPPORTED.containsKey(name) && !blank(settings.values().get(key))) {
                    problems.add(path(prefix, key) + ": " + UNSUPPORTED.get(name));
                }
            } else if (!CACHE_KEYS.contains(key)) {
                problems.add(path(prefix, key) + ": unknown key");
            }
        }
        String auth = value(settings, "s3.AuthenticationType");
        if (auth != null && !auth.equalsIgnoreCase("access-key")) {
            problems.add(path(prefix, "s3.AuthenticationType") + ": must be access-key"
                    + (auth.equalsIgnoreCase("iam") ? " (iam needs an AWS instance profile, which a Clever Cloud host"
                    + " has not)" : "") + ", got '" + auth + "'");
        }
        boolean insecure = bool(settings, "s3.Insecure", problems);
        boolean pathStyle = bool(settings, "s3.PathStyle", problems);

        URI endpoint = null;
        String server = value(settings, "s3.ServerAddress");
        String serverKey = "s3.ServerAddress";
        if (server == null && env.get(CELLAR_HOST) != null && !env.get(CELLAR_HOST).isBlank()) {
            server = env.get(CELLAR_HOST).strip();
            serverKey = null;
        }
        if (server == null) {
            problems.add(path(prefix, "s3.ServerAddress") + ": required (the S3 server's host[:port], e.g."
                    + " cellar-c2.services.clever-cloud.com), or " + CELLAR_HOST + " in the environment");
        } else {
            endpoint = endpoint(server, insecure);
            if (endpoint == null) {
                problems.add((serverKey == null ? CELLAR_HOST + " (environment)" : path(prefix, serverKey))
                        + ": must be a host[:port] or an http(s):// URL without a path, got '" + server + "'");
            }
        }
        String accessKey = value(settings, "s3.AccessKey");
        String secretKey = value(settings, "s3.SecretKey");
        if (accessKey == null && secretKey == null) {
            accessKey = envValue(env, CELLAR_KEY_ID);
            secretKey = envValue(env, CELLAR_KEY_SECRET);
        }
        if (accessKey == null) {
            problems.add(path(prefix, "s3.AccessKey") + ": required (with SecretKey), or " + CELLAR_KEY_ID
                    + " and " + CELLAR_KEY_SECRET + " in the environment");
        }
        if (secretKey == null) {
            problems.add(path(prefix, "s3.SecretKey") + ": required (with AccessKey), or " + CELLAR_KEY_ID
                    + " and " + CELLAR_KEY_SECRET + " in the environment");
        }
        String bucket = value(settings, "s3.BucketName");
        if (bucket == null) {
            problems.add(path(prefix, "s3.BucketName") + ": required");
        } else if (!BUCKET.matcher(bucket).matches() || bucket.contains("..")) {
            problems.add(path(prefix, "s3.BucketName") + ": must be an S3 bucket name (3 to 63 lower-case letters,"
                    + " digits, dots and dashes; no '_'), got '" + bucket + "'");
        }
        String region = value(settings, "s3.BucketLocation");
        String cachePath = value(settings, "Path");
        String pathPrefix = "";
        if (cachePath != null) {
            pathPrefix = trimSlashes(cachePath);
            for (String segment : pathPrefix.split("/", -1)) {
                if (segment.equals("..") || segment.equals(".") || (segment.isEmpty() && !pathPrefix.isEmpty())) {
                    problems.add(path(prefix, "Path") + ": must be an object-name prefix without '.', '..' or"
                            + " empty segments, got '" + cachePath + "'");
                    break;
                }
            }
        }
        long max = 0;
        String maxText = value(settings, "MaxUploadedArchiveSize");
        if (maxText != null) {
            try {
                max = Long.parseLong(maxText);
                if (max < 0) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                problems.add(path(prefix, "MaxUploadedArchiveSize") + ": must be a number of bytes ≥ 0 (0: no limit),"
                        + " got '" + maxText + "'");
            }
        }
        if (problems.size() > before) {
            return null;
        }
        return new S3CacheSettings(endpoint, region == null ? DEFAULT_REGION : region, bucket, accessKey,
                Secret.of(secretKey), pathPrefix, pathStyle || bucket.contains("."), max, null, null);
    }

    /**
     * {@code host[:port]} or {@code http(s)://host[:port][/]} as a URI: https unless {@code Insecure} or an
     * {@code http://} scheme, {@code :443} stripped from https (signatures computed with it fail on some servers).
     */
    static URI endpoint(String server, boolean insecure) {
        String text = server.strip();
        String scheme = insecure ? "http" : "https";
        String lower = text.toLowerCase(Locale.ROOT);
        if (lower.startsWith("https://")) {
            text = text.substring(8);
            scheme = insecure ? "http" : "https";
        } else if (lower.startsWith("http://")) {
            text = text.substring(7);
            scheme = "http";
        }
        if (text.endsWith("/")) {
            text = text.substring(0, text.length() - 1);
        }
        if (text.isEmpty() || text.contains("/") || text.contains("?") || text.contains("#") || text.contains("@")) {
            return null;
        }
        if (scheme.equals("https") && text.endsWith(":443")) {
            text = text.substring(0, text.length() - 4);
        }
        try {
            URI uri = new URI(scheme + "://" + text);
            return uri.getHost() == null ? null : uri;
        } catch (URISyntaxException e) {
            return null;
        }
    }

    private static String trimSlashes(String text) {
        String trimmed = text.strip();
        while (trimmed.startsWith("/")) {
            trimmed = trimmed.substring(1);
        }
        while (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        return trimmed;
    }

    private static boolean bool(ProviderSettings settings, String key, List<String> problems) {
        String text = value(settings, key);
        if (text == null) {
            return false;
        }
        if (!text.equalsIgnoreCase("true") && !text.equalsIgnoreCase("false")) {
            problems.add(path(settings.prefix(), key) + ": must be true or false, got '" + text + "'");
            return false;
        }
        return Boolean.parseBoolean(text);
    }

    private static String value(ProviderSettings settings, String key) {
        String text = settings.values().get(key);
        return blank(text) ? null : text.strip();
    }

    private static String envValue(Map<String, String> env, String name) {
        String text = env.get(name);
        return blank(text) ? null : text.strip();
    }

    private static boolean blank(String text) {
        return text == null || text.isBlank();
    }

    private static String path(String prefix, String key) {
        return prefix == null || prefix.isEmpty() ? key : prefix + "." + key;
    }

    @Override
    public String toString() {
        return "S3CacheSettings[" + endpoint + " bucket " + bucket + (pathPrefix.isEmpty() ? "" : " path " + pathPrefix)
                + " region " + region + " access key " + accessKey + " secret key " + Secret.MASK
                + (pathStyle ? " path-style" : "") + "]";
    }
}
