package org.cleverrunner.cli.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * GitLab Runner's feature flags ({@code [runners.feature_flags]}, or {@code FF_…} entries of {@code environment})
 * against what this runner does: a flag set to the value that describes this runner's behaviour is accepted as it
 * is; any other (another value, a flag this runner has no equivalent for, an unknown name) is named in a warning,
 * since a runner that silently ignored it would behave otherwise than its operator expects.
 */
public final class FeatureFlags {

    /** The flags whose behaviour this runner has, with the value that describes it. */
    static final Map<String, Boolean> BEHAVIOUR = Map.ofEntries(
            // a network per job when it has services, the others' aliases on it
            Map.entry("FF_NETWORK_PER_BUILD", true),
            // artifacts and caches are downloaded from object storage directly when GitLab redirects there
            Map.entry("FF_USE_DIRECT_DOWNLOAD", true),
            // every GitLab token prefix is masked in job logs
            Map.entry("FF_MASK_ALL_DEFAULT_TOKENS", true),
            // the job token reaches git through a credential helper, never in a URL, argv or .git/config
            Map.entry("FF_GIT_URLS_WITHOUT_TOKENS", true),
            // the runner token is not rotated by this runner
            Map.entry("FF_DISABLE_AUTOMATIC_TOKEN_ROTATION", true),
            // cache keys are gitlab-runner's sanitised names, not hashes
            Map.entry("FF_HASH_CACHE_KEYS", false),
            // one request per free slot, not adapted to the job rate
            Map.entry("FF_USE_ADAPTIVE_REQUEST_CONCURRENCY", false),
            // no tini as PID 1 in job containers
            Map.entry("FF_USE_INIT_WITH_DOCKER_EXECUTOR", false),
            // script lines are shown one by one, not as collapsible sections
            Map.entry("FF_SCRIPT_SECTIONS", false),
            // no per-line timestamps in the job log
            Map.entry("FF_TIMESTAMPS", false),
            // set -e (and pipefail under bash), no extra exit-code check after each line
            Map.entry("FF_ENABLE_BASH_EXIT_CODE_CHECK", false),
            // no umask 0000: the build tree is owned by the job's user instead
            Map.entry("FF_DISABLE_UMASK_FOR_DOCKER_EXECUTOR", true),
            // a restored cache is checked whole before anything is written, never half extracted
            Map.entry("FF_CLEAN_UP_FAILED_CACHE_EXTRACT", true));

    private FeatureFlags() {
    }

    /** The flags (sorted, with their value) this runner does not behave as. */
    static List<String> notMatching(Map<String, Boolean> flags) {
        List<String> names = new ArrayList<>();
        flags.forEach((name, value) -> {
            if (!value.equals(BEHAVIOUR.get(name))) {
                names.add(name + "=" + value);
            }
        });
        names.sort(null);
        return names;
    }

    /** GitLab Runner's reading of a flag's text value: true, 1 (and t, T, TRUE…) as strconv.ParseBool. */
    public static boolean truthy(String value) {
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "1", "t", "true" -> true;
            default -> false;
        };
    }
}
