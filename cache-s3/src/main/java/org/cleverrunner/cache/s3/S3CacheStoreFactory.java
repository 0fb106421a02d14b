package org.cleverrunner.cache.s3;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.cleverrunner.spi.CacheStore;
import org.cleverrunner.spi.CacheStoreFactory;
import org.cleverrunner.spi.ProviderSettings;

/**
 * {@code s3}: job caches in an S3 bucket (Clever Cloud Cellar, AWS, MinIO, Ceph RGW…), configured with
 * gitlab-runner's {@code [runners.cache]} keys ({@code Path}, {@code MaxUploadedArchiveSize}) and
 * {@code [runners.cache.s3]} keys handed flat ({@code s3.ServerAddress}…), a Cellar add-on's variables as fallback.
 */
public final class S3CacheStoreFactory implements CacheStoreFactory {

    public static final String ID = "s3";

    private final Map<String, String> env;

    /** Reads the Cellar variables from the process environment. */
    public S3CacheStoreFactory() {
        this(System.getenv());
    }

    /** Reads the Cellar variables from this map (tests). */
    public S3CacheStoreFactory(Map<String, String> env) {
        this.env = Map.copyOf(Objects.requireNonNull(env, "env"));
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "job caches in an S3 bucket (Cellar…), named as gitlab-runner names them";
    }

    @Override
    public List<String> validate(ProviderSettings settings) {
        List<String> problems = new ArrayList<>();
        S3CacheSettings.read(settings, env, problems);
        return List.copyOf(problems);
    }

    @Override
    public CacheStore create(ProviderSettings settings) {
        return new S3CacheStore(S3CacheSettings.parse(settings, env));
    }
}
