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
