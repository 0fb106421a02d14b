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

    /**
     * The warm pool a provisioner's settings ask for ({@code pool.max-instances}, {@code pool.max-uses},
     * {@code pool.scope}, {@code pool.policy.<n>.idle-count|idle-time|periods|timezone|scale-factor|
     * scale-factor-limit}, as config.toml's {@code [runners.autoscaler]} gives them), or null when there is none.
     */
    public static PoolPolicy fromSettings(org.cleverrunner.spi.ProviderSettings settings) {
        if (settings.get("pool.max-instances").isEmpty()) {
            return null;
        }
        List<String> problems = new ArrayList<>();
        Map<String, String> pool = new LinkedHashMap<>();
        pool.put("max_instances", settings.get("pool.max-instances").orElse("10"));
        pool.put("max_uses", settings.get("pool.max-uses").orElse("0"));
        pool.put("scope", settings.get("pool.scope").orElse("project"));
        PoolPolicy base = policy("pool", pool, problems);
        List<PoolPolicy.Rule> rules = new ArrayList<>();
        for (int i = 0; settings.values().keySet().stream().anyMatch(k -> k.startsWith("pool.policy.")); i++) {
            String prefix = "pool.policy." + i + ".";
            Map<String, String> rule = new LinkedHashMap<>();
            settings.values().forEach((k, v) -> {
                if (k.startsWith(prefix)) {
                    rule.put(k.substring(prefix.length()).replace('-', '_'), v);
                }
            });
            if (rule.isEmpty()) {
                break;
            }
            List<String> ruleProblems = new ArrayList<>();
            PoolPolicy.Rule parsed = rule(rule, ruleProblems);
            ruleProblems.forEach(p -> problems.add("policy[" + (rules.size()) + "]: " + p));
            if (parsed != null) {
                rules.add(parsed);
            }
        }
        Duration acquire = PoolPolicy.DEFAULT_ACQUIRE_TIMEOUT;
        String acquireText = settings.get("pool.acquire-timeout").orElse(null);
        if (acquireText != null) {
            try {
                acquire = GoDuration.parse(acquireText);
            } catch (IllegalArgumentException e) {
                problems.add("instance_acquire_timeout '" + acquireText + "' is not a duration such as 15m");
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return new PoolPolicy("pool", base.maxInstances(), base.maxUses(), base.scope(), rules, acquire);
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
        values.keySet().stream().filter(key -> !List.of("name", "max_instances", "max_uses", "scope", "idle_count",
                "idle_time", "periods", "timezone", "scale_factor", "scale_factor_limit").contains(key))
                .forEach(key -> problems.add("unknown key '" + key + "'"));
        PoolPolicy policy = policy(values.getOrDefault("name", "policy"), values, problems);
        PoolPolicy.Rule rule = rule(values, problems);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("policy '" + policy.name() + "': " + String.join("; ", problems));
        }
        return new PoolPolicy(policy.name(), policy.maxInstances(), policy.maxUses(), policy.scope(), List.of(rule));
    }

    private static PoolPolicy policy(String name, Map<String, String> values, List<String> problems) {
        int maxInstances = integer(values, "max_instances", 100, problems);
        int maxUses = integer(values, "max_uses", 0, problems);
        PoolPolicy.Scope scope = PoolPolicy.Scope.PROJECT;
        try {
            scope = PoolPolicy.Scope.parse(values.getOrDefault("scope", "project"));
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
        return new PoolPolicy(name, maxInstances, maxUses, scope, List.of());
    }

    private static PoolPolicy.Rule rule(Map<String, String> values, List<String> problems) {
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
        return new PoolPolicy.Rule(periods, zone, idleCount, idleTime, scaleFactor, scaleFactorLimit);
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
