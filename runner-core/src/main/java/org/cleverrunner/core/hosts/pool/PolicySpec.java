package org.cleverrunner.core.hosts.pool;

import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.cleverrunner.core.internal.GoDuration;

/**
 * A pool policy written on one line, for the simulator's command line: {@code key=value} pairs separated by
 * {@code ;}, with the keys of config.toml's pool ({@code name}, {@code max_instances}, {@code max_uses},
 * {@code scope}) and of one idle rule ({@code idle_count} as a number or {@code M:4,XL:1}, {@code idle_time} as a
 * Go duration, {@code periods} as cron periods separated by {@code |}, {@code timezone}, {@code scale_factor},
 * {@code scale_factor_limit}). Example: {@code name=office; idle_count=M:4; idle_time=10m;
 * periods=* 8-18 * * mon-fri; timezone=Europe/Paris}.
 */
public final class PolicySpec {

    private PolicySpec() {
    }

    /** The policy, or an error naming every key that is wrong. */
    public static PoolPolicy parse(String spec) {
        Map<String, String> values = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (String part : spec.split(";")) {
            if (part.isBlank()) {
                continue;
            }
            int equals = part.indexOf('=');
            if (equals < 0) {
                problems.add("'" + part.strip() + "' is not key=value");
                continue;
            }
            values.put(part.substring(0, equals).strip().toLowerCase(Locale.ROOT), part.substring(equals + 1).strip());
        }
        String name = values.getOrDefault("name", "policy");
        int maxInstances = integer(values, "max_instances", 100, problems);
        int maxUses = integer(values, "max_uses", 0, problems);
        PoolPolicy.Scope scope = PoolPolicy.Scope.PROJECT;
        try {
            scope = PoolPolicy.Scope.parse(values.getOrDefault("scope", "project"));
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
        Map<String, Integer> idleCount = new LinkedHashMap<>();
        String idle = values.getOrDefault("idle_count", "0");
        for (String entry : idle.split(",")) {
            String[] pair = entry.split(":", 2);
            try {
                if (pair.length == 1) {
                    idleCount.put("*", Integer.parseInt(pair[0].strip()));
                } else {
                    idleCount.put(pair[0].strip().toUpperCase(Locale.ROOT), Integer.parseInt(pair[1].strip()));
                }
            } catch (NumberFormatException e) {
                problems.add("idle_count '" + idle + "' is not a number nor FLAVOR:number,…");
            }
        }
        Duration idleTime = Duration.ofMinutes(10);
        try {
            idleTime = GoDuration.parse(values.getOrDefault("idle_time", "10m"));
        } catch (IllegalArgumentException e) {
            problems.add("idle_time '" + values.get("idle_time") + "' is not a duration such as 10m");
        }
        List<CronPeriod> periods = new ArrayList<>();
        for (String period : values.getOrDefault("periods", "* * * * *").split("\\|")) {
            try {
                periods.add(CronPeriod.parse(period));
            } catch (IllegalArgumentException e) {
                problems.add("periods: " + e.getMessage());
            }
        }
        ZoneId zone = ZoneId.of("UTC");
        try {
            zone = ZoneId.of(values.getOrDefault("timezone", "UTC"));
        } catch (RuntimeException e) {
            problems.add("timezone '" + values.get("timezone") + "' is not a time zone such as Europe/Paris");
        }
        double scaleFactor = 0;
        try {
            scaleFactor = Double.parseDouble(values.getOrDefault("scale_factor", "0"));
        } catch (NumberFormatException e) {
            problems.add("scale_factor '" + values.get("scale_factor") + "' is not a number");
        }
        int scaleFactorLimit = integer(values, "scale_factor_limit", 0, problems);
        values.keySet().stream().filter(key -> !List.of("name", "max_instances", "max_uses", "scope", "idle_count",
                "idle_time", "periods", "timezone", "scale_factor", "scale_factor_limit").contains(key))
                .forEach(key -> problems.add("unknown key '" + key + "'"));
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("policy '" + name + "': " + String.join("; ", problems));
        }
        return new PoolPolicy(name, maxInstances, maxUses, scope, List.of(new PoolPolicy.Rule(periods, zone,
                idleCount, idleTime, scaleFactor, scaleFactorLimit)));
    }

    /** A Go duration ({@code 60s}, {@code 1m30s}), as config.toml writes them. */
    public static Duration duration(String text) {
        return GoDuration.parse(text.strip());
    }

    private static int integer(Map<String, String> values, String key, int fallback, List<String> problems) {
        String value = values.get(key);
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            problems.add(key + " '" + value + "' is not a whole number");
            return fallback;
        }
    }
}
