package org.cleverrunner.coordinator.payload;

import java.util.List;

/** One {@code cache} entry. Rails already suffixes the key with {@code -protected} or {@code -non_protected}. */
public record CacheSpec(
        String key,
        boolean untracked,
        List<String> paths,
        String policy,
        String when,
        List<String> fallbackKeys) {

    public CacheSpec {
        paths = Lists.copy(paths);
        fallbackKeys = Lists.copy(fallbackKeys);
    }
}
