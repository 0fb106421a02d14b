package org.cleverrunner.spi;

/** Creates {@link CacheStore}s; registered in {@code META-INF/services/org.cleverrunner.spi.CacheStoreFactory}. */
public interface CacheStoreFactory extends Provider {

    CacheStore create(ProviderSettings settings);
}
