package org.cleverrunner.core.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * gitlab-runner's cache key rules, so that a job finds the cache objects gitlab-runner would have saved and can
 * reach no other project's. The rules are those of gitlab-runner's {@code cache/cachekey} package (Sanitize), its
 * default key ({@code shells/abstract.go}, newCacheConfig), its object-path check ({@code cache/cache.go},
 * GetAdapter) and its CACHE_FALLBACK_KEY check, as of gitlab-runner 19.4.0 (commit d79f3e7b).
 */
public final class CacheKeys {

    private CacheKeys() {
    }

    /**
     * The key gitlab-runner uses for a cache that names none: {@code <job name>/<ref>}, joined and cleaned as Go's
     * {@code path.Join("/", name, ref)} without its leading {@code /}; empty when both are empty.
     */
    public static String defaultKey(String jobName, String ref) {
        String joined = "/" + (jobName == null ? "" : jobName) + "/" + (ref == null ? "" : ref);
        return clean(joined).substring(1);
    }

    /**
     * The key as gitlab-runner's sanitiser leaves it: {@code %2f}/{@code %2F} decoded to {@code /},
     * {@code %2e}/{@code %2E} to {@code .} and {@code \} turned into {@code /} (one pass, so {@code %252f} stays
     * {@code %252f}), the path cleaned against a virtual root ({@code ..} never climbs above it), then trailing white
     * space trimmed from the last segment, dropping segments that become empty. Only the last segments are trimmed:
     * {@code " foo / bar "} becomes {@code " foo / bar"}. Empty when nothing is left, or when the key is empty.
     */
    public static Optional<String> sanitize(String key) {
        Objects.requireNonNull(key, "key");
        if (key.isEmpty()) {
            return Optional.empty();
        }
        String cleaned = clean("/" + decode(key)).substring(1);
        List<String> parts = new ArrayList<>(List.of(cleaned.split("/", -1)));
        while (!parts.isEmpty()) {
            int last = parts.size() - 1;
            String trimmed = trimTrailingSpace(parts.get(last));
            if (!trimmed.isEmpty()) {
                parts.set(last, trimmed);
                break;
            }
            parts.remove(last);
        }
        String sanitized = String.join("/", parts);
        return sanitized.isEmpty() ? Optional.empty() : Optional.of(sanitized);
    }

    /**
     * The key relative to {@code project/<id>/} once joined to it and cleaned, as gitlab-runner names the cache
     * object ({@code path.Join(base, key)}), or empty when that path is not inside {@code project/<id>/}. A sanitised
     * key can still end in a {@code .} or {@code ..} segment, since trimming comes after cleaning ({@code "a/b/.. "}
     * sanitises to {@code a/b/..}): gitlab-runner stores that key's object at {@code project/<id>/a}, so this
     * answers {@code a}; {@code a/..} would be the project's directory itself and is refused.
     */
    public static Optional<String> withinProject(long projectId, String key) {
        Objects.requireNonNull(key, "key");
        if (key.isEmpty()) {
            return Optional.empty();
        }
        String base = "project/" + projectId;
        String full = clean(base + "/" + key);
        if (!full.startsWith(base + "/")) {
            return Optional.empty();
        }
        return Optional.of(full.substring(base.length() + 1));
    }

    /**
     * Whether a CACHE_FALLBACK_KEY names a protected ref's cache, which gitlab-runner refuses: the key ends in
     * {@code -protected} once trailing dots and spaces are cut ({@code main-protected.} too; {@code -non_protected}
     * does not end in {@code -protected}).
     */
    public static boolean endsInProtected(String key) {
        int end = key.length();
        while (end > 0 && (key.charAt(end - 1) == '.' || key.charAt(end - 1) == ' ')) {
            end--;
        }
        return key.substring(0, end).endsWith("-protected");
    }

    /** gitlab-runner's one-pass replacer: {@code %2f %2F} and {@code \} to {@code /}, {@code %2e %2E} to {@code .}. */
    private static String decode(String key) {
        StringBuilder out = new StringBuilder(key.length());
        int i = 0;
        while (i < key.length()) {
            char c = key.charAt(i);
            if (c == '\\') {
                out.append('/');
                i++;
            } else if (c == '%' && i + 2 < key.length() && key.charAt(i + 1) == '2'
                    && "fFeE".indexOf(key.charAt(i + 2)) >= 0) {
                out.append(Character.toLowerCase(key.charAt(i + 2)) == 'f' ? '/' : '.');
                i += 3;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    /**
     * Go's {@code path.Clean}: one {@code /} between names, no {@code .} names, each {@code ..} removing the name
     * before it; at the start of a rooted path {@code ..} is dropped, of a relative one kept. {@code "."} when
     * nothing is left of a relative path, {@code "/"} of a rooted one.
     */
    static String clean(String path) {
        boolean rooted = path.startsWith("/");
        List<String> names = new ArrayList<>();
        for (String name : path.split("/")) {
            if (name.isEmpty() || name.equals(".")) {
                continue;
            }
            if (name.equals("..")) {
                if (!names.isEmpty() && !names.get(names.size() - 1).equals("..")) {
                    names.remove(names.size() - 1);
                } else if (!rooted) {
                    names.add("..");
                }
                continue;
            }
            names.add(name);
        }
        String joined = String.join("/", names);
        if (rooted) {
            return "/" + joined;
        }
        return joined.isEmpty() ? "." : joined;
    }

    private static String trimTrailingSpace(String text) {
        int end = text.length();
        while (end > 0 && isGoSpace(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(0, end);
    }

    /**
     * Go's {@code unicode.IsSpace}, which gitlab-runner trims with: it differs from {@link Character#isWhitespace}
     * (no-break spaces are spaces, U+001C..U+001F are not). Every such character is in the BMP.
     */
    static boolean isGoSpace(char c) {
        if (c <= 0xFF) {
            return c == ' ' || (c >= '\t' && c <= '\r') || c == 0x85 || c == 0xA0;
        }
        return c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F
                || c == 0x205F || c == 0x3000;
    }
}
