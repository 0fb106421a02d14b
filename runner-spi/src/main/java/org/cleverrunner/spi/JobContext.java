package org.cleverrunner.spi;

import java.util.Objects;

/** What the engine lends an executor for one job: where to log, where caches and artifacts go, how to stop. */
public record JobContext(Trace trace, CacheStore cache, ArtifactTransfer artifacts, JobControl control) {

    public JobContext {
        Objects.requireNonNull(trace, "trace");
        Objects.requireNonNull(control, "control");
        cache = cache == null ? NoCache.INSTANCE : cache;
        artifacts = artifacts == null ? ArtifactTransfer.NONE : artifacts;
    }

    /** A cache store that holds nothing: every restore misses, every save is dropped. */
    private enum NoCache implements CacheStore {
        INSTANCE;

        @Override
        public java.util.Optional<java.io.InputStream> open(String key) {
            return java.util.Optional.empty();
        }

        @Override
        public void save(String key, java.io.InputStream archive, long length) {
        }
    }
}
