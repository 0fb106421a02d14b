package org.cleverrunner.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.cleverrunner.core.internal.CacheKeys;
import org.cleverrunner.spi.JobPlan;

/**
 * A job's caches keyed as GitLab Runner keys them, for every front end (a GitLab job payload, {@code exec}'s
 * pipeline file): the declared key expanded, or {@code <job name>/<ref>} when there is none, then sanitised
 * ({@link CacheKeys}); restored from that key, then from each fallback key, then from CACHE_FALLBACK_KEY. A cache
 * whose key leaves nothing is skipped, a fallback key that leaves nothing is dropped, each with a warning, as
 * gitlab-runner does. The keys returned are those the cache objects have under {@code project/<id>/}.
 *
 * <p>Sanitised keys have no {@code .} or {@code ..} segment left but may hold control characters, which
 * gitlab-runner keeps: they would reach the job's log ("Checking cache for …") and the store's names as they are,
 * so they are problems that refuse the job.
 */
public final class CacheRules {

    /** The caches to restore and save, the warnings for the job's log, and what refuses the job. */
    public record Result(List<JobPlan.CacheRule> caches, List<String> warnings, List<String> problems) {
        public Result {
            caches = List.copyOf(caches);
            warnings = List.copyOf(warnings);
            problems = List.copyOf(problems);
        }
    }

    private CacheRules() {
    }

    /**
     * @param declared the caches as the job declares them: keys, paths and fallback keys not yet expanded; an
     *     empty or null key is the default one
     * @param projectId the project whose caches these are ({@code project/<id>/} in the store)
     * @param values the job's variables, for expansion (CACHE_FALLBACK_KEY among them)
     */
    public static Result of(List<JobPlan.CacheRule> declared, long projectId, String jobName, String ref,
            Map<String, String> values) {
        List<String> warnings = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        List<String> variableFallback = new ArrayList<>();
        String fallbackVariable = values.get("CACHE_FALLBACK_KEY");
        if (!declared.isEmpty() && fallbackVariable != null && !fallbackVariable.isEmpty()) {
            cacheKey(fallbackVariable, projectId, "CACHE_FALLBACK_KEY is not used", warnings).ifPresent(key -> {
                // a job of an unprotected ref must not read a protected ref's cache through the variable
                if (CacheKeys.endsInProtected(key)) {
                    warnings.add("CACHE_FALLBACK_KEY " + JobPlans.quoteKey(key) + " is not allowed to end in"
                            + " '-protected': it is not used");
                } else {
                    variableFallback.add(key);
                }
            });
        }
        List<JobPlan.CacheRule> caches = new ArrayList<>();
        for (int i = 0; i < declared.size(); i++) {
            JobPlan.CacheRule cache = declared.get(i);
            String raw = cache.key() == null || cache.key().isEmpty() ? CacheKeys.defaultKey(jobName, ref)
                    : Variables.expand(cache.key(), values);
            var key = cacheKey(raw, projectId, "cache[" + i + "] is neither restored nor saved", warnings);
            if (key.isEmpty()) {
                continue;
            }
            if (JobPlans.hasControl(key.get())) {
                problems.add("cache[" + i + "] key " + JobPlans.quote(key.get()) + " holds control characters");
            }
            List<String> fallbacks = new ArrayList<>();
            for (String fallback : JobPlans.expandAll(cache.fallbackKeys(), values)) {
                if (!fallback.isEmpty()) { // gitlab-runner passes over an empty one silently
                    cacheKey(fallback, projectId, "this fallback key of cache[" + i + "] is not used", warnings)
                            .ifPresent(fallbacks::add);
                }
            }
            fallbacks.addAll(variableFallback);
            for (String fallback : fallbacks) {
                if (JobPlans.hasControl(fallback)) {
                    problems.add("cache[" + i + "] fallback key " + JobPlans.quote(fallback)
                            + " holds control characters");
                }
            }
            caches.add(new JobPlan.CacheRule(key.get(), JobPlans.expandAll(cache.paths(), values),
                    cache.untracked(), cache.policy(), cache.when(), fallbacks));
        }
        return new Result(caches, warnings, problems);
    }

    /**
     * A sanitised key as its object is named under {@code project/<id>/}, or empty with a warning that ends in
     * {@code unused}; a warning too when the key differs from {@code raw}.
     */
    private static Optional<String> cacheKey(String raw, long projectId, String unused, List<String> warnings) {
        if (raw.isEmpty()) {
            warnings.add("empty cache key: " + unused);
            return Optional.empty();
        }
        var sanitized = CacheKeys.sanitize(raw);
        if (sanitized.isEmpty()) {
            warnings.add("cache key " + JobPlans.quoteKey(raw) + " could not be sanitized: " + unused);
            return sanitized;
        }
        var key = CacheKeys.withinProject(projectId, sanitized.get());
        if (key.isEmpty()) {
            warnings.add("cache key " + JobPlans.quoteKey(raw) + " resolves outside of the project's caches: "
                    + unused);
        } else if (!key.get().equals(raw)) {
            warnings.add("cache key " + JobPlans.quoteKey(raw) + " sanitized to " + JobPlans.quoteKey(key.get()));
        }
        return key;
    }
}
