package org.cleverrunner.core.hosts.pool;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * How a runner keeps warm hosts, in GitLab Runner's autoscaler terms: at most {@code maxInstances} hosts, each used
 * for at most {@code maxUses} jobs (0: no limit), reused only within one {@link Scope}, and {@link Rule}s saying how
 * many idle hosts to keep per flavor and for how long, over periods of the week (the last matching rule wins; none:
 * no idle host, which scales to zero). Idle hosts are taken oldest first.
 *
 * @param name what the policy is called in the simulator's table
 * @param maxInstances the most hosts at once, booting, idle and busy
 * @param maxUses jobs per host before it is deleted (1: a VM per job, as without a pool; 0: no limit)
 * @param scope which jobs may share a host
 * @param rules the idle rules, the last matching one wins
 * @param acquireTimeout how long a job waits for room in a full pool (GitLab Runner's instance_acquire_timeout)
 */
public record PoolPolicy(String name, int maxInstances, int maxUses, Scope scope, List<Rule> rules,
        Duration acquireTimeout) {

    /** GitLab Runner's default instance_acquire_timeout. */
    public static final Duration DEFAULT_ACQUIRE_TIMEOUT = Duration.ofMinutes(15);

    public PoolPolicy(String name, int maxInstances, int maxUses, Scope scope, List<Rule> rules) {
        this(name, maxInstances, maxUses, scope, rules, DEFAULT_ACQUIRE_TIMEOUT);
    }

    /** Which jobs may run on a host after another: the same project, group (root namespace), or any of the runner. */
    public enum Scope {
        PROJECT, GROUP, RUNNER;

        public static Scope parse(String text) {
            try {
                return valueOf(text.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("scope '" + text + "' is not one of project, group, runner");
            }
        }

        /** The key hosts of this scope are bound to, for a job of this project path. */
        public String key(String projectPath) {
            return switch (this) {
                case PROJECT -> "project:" + projectPath;
                case GROUP -> "group:" + (projectPath.contains("/")
                        ? projectPath.substring(0, projectPath.indexOf('/')) : projectPath);
                case RUNNER -> "runner";
            };
        }
    }

    /**
     * Idle capacity over some periods: {@code idleCount} idle hosts per flavor (the key {@code *}: each flavor a
     * job asked for), grown to {@code scaleFactor} × the hosts in use, up to {@code scaleFactorLimit}; an idle host
     * is deleted after {@code idleTime} without a job (counted from its last job's end, or from when it was ready).
     */
    public record Rule(List<CronPeriod> periods, ZoneId timezone, Map<String, Integer> idleCount, Duration idleTime,
            double scaleFactor, int scaleFactorLimit) {
        public Rule {
            periods = List.copyOf(periods == null || periods.isEmpty() ? List.of(CronPeriod.parse("* * * * *"))
                    : periods);
            timezone = timezone == null ? ZoneId.of("UTC") : timezone;
            idleCount = Map.copyOf(idleCount == null ? Map.of() : idleCount);
            Objects.requireNonNull(idleTime, "idleTime");
        }

        boolean matches(Instant at) {
            var local = at.atZone(timezone);
            return periods.stream().anyMatch(period -> period.matches(local));
        }

        int idleCount(String flavor) {
            return idleCount.getOrDefault(flavor, idleCount.getOrDefault("*", 0));
        }
    }

    /** One VM per job, deleted at its end: what a runner does without a pool. */
    public static PoolPolicy perJob(int maxInstances) {
        return new PoolPolicy("per-job VM", maxInstances, 1, Scope.PROJECT, List.of());
    }

    public PoolPolicy {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(scope, "scope");
        rules = List.copyOf(rules == null ? List.of() : rules);
        acquireTimeout = acquireTimeout == null ? DEFAULT_ACQUIRE_TIMEOUT : acquireTimeout;
    }

    /** The rule in force at {@code at}: the last that matches, or null (no idle host). */
    public Rule ruleAt(Instant at) {
        Rule found = null;
        for (Rule rule : rules) {
            if (rule.matches(at)) {
                found = rule;
            }
        }
        return found;
    }

    /** Every reason this policy cannot hold with these flavors on offer; empty when it can. */
    public List<String> problems(Set<String> flavors) {
        List<String> problems = new ArrayList<>();
        if (maxInstances < 1) {
            problems.add("max_instances must be at least 1, got " + maxInstances);
        }
        if (acquireTimeout.isNegative() || acquireTimeout.isZero()) {
            problems.add("instance_acquire_timeout must be positive, got " + acquireTimeout);
        }
        if (maxUses < 0) {
            problems.add("max_uses must be 0 (no limit) or more, got " + maxUses);
        }
        for (int i = 0; i < rules.size(); i++) {
            Rule rule = rules.get(i);
            String where = "policy " + (i + 1);
            int total = 0;
            for (Map.Entry<String, Integer> idle : rule.idleCount().entrySet()) {
                if (idle.getValue() < 0) {
                    problems.add(where + ": idle_count for " + idle.getKey() + " must not be negative");
                }
                if (!idle.getKey().equals("*") && !flavors.contains(idle.getKey())) {
                    problems.add(where + ": flavor " + idle.getKey() + " is not offered (offered: "
                            + String.join(", ", flavors) + ")");
                }
                total += Math.max(0, idle.getValue());
            }
            if (maxInstances >= 1 && total > maxInstances) {
                problems.add(where + ": idle_count " + total + " is above max_instances " + maxInstances);
            }
            if (total > 0 && (rule.idleTime().isZero() || rule.idleTime().isNegative())) {
                problems.add(where + ": idle_time must be positive when hosts are kept idle (idle_count " + total
                        + ")");
            }
            if (rule.scaleFactor() < 0 || rule.scaleFactorLimit() < 0) {
                problems.add(where + ": scale_factor and scale_factor_limit must not be negative");
            }
        }
        return problems;
    }
}
