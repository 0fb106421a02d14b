package org.cleverrunner.spi;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The configuration handed to a provider's factory: flat string keys (e.g. {@code zone}, {@code max-flavor})
 * with typed getters that name the key when a value is missing or malformed. {@link #toString()} masks values
 * whose key looks secret.
 */
public record ProviderSettings(String prefix, Map<String, String> values) {

    public ProviderSettings {
        prefix = prefix == null ? "" : prefix;
        values = Map.copyOf(values == null ? Map.of() : values);
    }

    /**
     * The same settings are the same values, wherever they were written: {@code prefix} only places them in
     * messages (a runner moved to another index of {@code [[runners]]} by a reload has not changed).
     */
    @Override
    public boolean equals(Object other) {
        return other instanceof ProviderSettings settings && settings.values.equals(values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    public static ProviderSettings empty() {
        return new ProviderSettings("", Map.of());
    }

    public Optional<String> get(String key) {
        return Optional.ofNullable(values.get(key));
    }

    public String require(String key) {
        String value = values.get(key);
        if (value == null || value.isBlank()) {
            throw new RunnerSpiException("missing setting " + path(key));
        }
        return value;
    }

    /**
     * A problem for each key that is neither in {@code known} nor starts with one of {@code prefixes} (such as
     * {@code price.}), with the closest known key as a suggestion: {@code <prefix>.max-flavour: unknown key (did you
     * mean "max-flavor"?)}.
     */
    public java.util.List<String> unknownKeys(java.util.Set<String> known, java.util.Set<String> prefixes) {
        java.util.List<String> problems = new java.util.ArrayList<>();
        values.keySet().stream().sorted().forEach(key -> {
            if (known.contains(key) || prefixes.stream().anyMatch(key::startsWith)) {
                return;
            }
            String suggestion = closest(key, known);
            problems.add(prefix + "." + key + ": unknown key" + (suggestion == null ? ""
                    : " (did you mean \"" + suggestion + "\"?)"));
        });
        return problems;
    }

    /** The candidate closest to {@code key} within two edits (case-insensitive), or null. */
    public static String closest(String key, java.util.Collection<String> candidates) {
        String best = null;
        int bestDistance = 3;
        for (String candidate : candidates.stream().sorted().toList()) {
            int distance = distance(key.toLowerCase(java.util.Locale.ROOT), candidate.toLowerCase(java.util.Locale.ROOT));
            if (distance < bestDistance) {
                best = candidate;
                bestDistance = distance;
            }
        }
        return best;
    }

    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    public Optional<Integer> getInt(String key) {
        return get(key).map(value -> {
            try {
                return Integer.valueOf(value.strip());
            } catch (NumberFormatException e) {
                throw new RunnerSpiException("setting " + path(key) + " must be an integer, got '" + value + "'");
            }
        });
    }

    /** A duration as ISO-8601 ({@code PT30S}) or a number with a unit suffix: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}. */
    public Optional<Duration> getDuration(String key) {
        return get(key).map(value -> parseDuration(key, value.strip()));
    }

    private Duration parseDuration(String key, String value) {
        try {
            if (value.startsWith("P") || value.startsWith("p")) {
                return Duration.parse(value);
            }
            if (value.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(value.substring(0, value.length() - 2)));
            }
            long amount = Long.parseLong(value.substring(0, value.length() - 1));
            return switch (value.charAt(value.length() - 1)) {
                case 's' -> Duration.ofSeconds(amount);
                case 'm' -> Duration.ofMinutes(amount);
                case 'h' -> Duration.ofHours(amount);
                default -> throw new NumberFormatException();
            };
        } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException e) {
            throw new RunnerSpiException("setting " + path(key) + " must be a duration such as 30s, 5m or PT1H, got '"
                    + value + "'");
        }
    }

    private String path(String key) {
        return prefix.isEmpty() ? "'" + key + "'" : "'" + prefix + "." + key + "'";
    }

    @Override
    public String toString() {
        Map<String, String> shown = new TreeMap<>();
        values.forEach((key, value) -> shown.put(key, Secret.looksSecret(key) ? Secret.MASK : value));
        return "ProviderSettings[" + prefix + " " + shown + "]";
    }
}
