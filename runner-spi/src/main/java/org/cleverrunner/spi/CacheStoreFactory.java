package org.cleverrunner.spi;

import java.util.List;

/** Creates {@link CacheStore}s; registered in {@code META-INF/services/org.cleverrunner.spi.CacheStoreFactory}. */
public interface CacheStoreFactory extends Provider {

    CacheStore create(ProviderSettings settings);

    /**
     * Every problem of these settings, each with its key's full path ({@code runners[0].cache.s3.BucketName:
     * required}), none echoing a secret; empty when {@link #create} would accept them. Each store validates its own
     * keys: the configuration layer only hands it its table. Never touches the network.
     */
    default List<String> validate(ProviderSettings settings) {
        return List.of();
    }
}
