package org.cleverrunner.testkit.clevercloud;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Fault injection and scenario switches of a {@link CleverCloudSimulator}.
 *
 * <pre>{@code
 * sim.faults().next(CleverEndpoint.APPLICATION_CREATE, 2).respond(503);          // then normal again
 * sim.faults().fraction(0.3, 42).respondOneOf(500, 502, 503, 429);               // 30 % of all calls
 * sim.faults().deploymentNeverUp("hpd-job-x-12");
 * sim.faults().deleteFailsTimes(2);
 * sim.faults().vanish(appId);
 * }</pre>
 *
 * <p>Injected answers carry a Clever error body {@code {"id":<status>,"message":"…","type":"error"}}; 429 and 503
 * answers carry {@code Retry-After: 1} unless headers are given.
 */
public final class CleverFaults {

    enum Kind { RESPOND, DELAY, DROP }

    static final class Rule {
        final Kind kind;
        final int[] statuses;
        final Map<String, String> headers;
        final String body;
        final Duration delay;
        int remaining;

        Rule(Kind kind, int[] statuses, Map<String, String> headers, String body, Duration delay, int remaining) {
            this.kind = kind;
            this.statuses = statuses;
            this.headers = headers;
            this.body = body;
            this.delay = delay;
            this.remaining = remaining;
        }
    }

    /** What to do with one call: a kind and, for RESPOND, the chosen status. */
    record Action(Kind kind, int status, Map<String, String> headers, String body, Duration delay) {
    }

    private final CleverCloudSimulator simulator;
    private final Map<CleverEndpoint, Deque<Rule>> rules = new EnumMap<>(CleverEndpoint.class);
    private Rule fractionRule;
    private double fraction;
    private Random random;
    private Set<CleverEndpoint> fractionEndpoints = EnumSet.allOf(CleverEndpoint.class);
    private int deleteFailures;
    private Predicate<SimulatedApplication> neverUp = app -> false;

    CleverFaults(CleverCloudSimulator simulator) {
        this.simulator = simulator;
    }

    /** A rule for the next {@code times} calls of {@code endpoint}; rules queue up per endpoint. */
    public Next next(CleverEndpoint endpoint, int times) {
        Objects.requireNonNull(endpoint, "endpoint");
        if (times <= 0) {
            throw new IllegalArgumentException("times must be positive");
        }
        return new Next(rule -> add(endpoint, rule), times);
    }

    public Next next(CleverEndpoint endpoint) {
        return next(endpoint, 1);
    }

    /**
     * A rule applied to each call (of the given endpoints, or of all when none are given) with probability
     * {@code fraction}, drawn from a {@code Random} seeded with {@code seed}. Replaces any previous fraction rule.
     * Queued {@link #next} rules take precedence and do not consume a draw.
     */
    public Next fraction(double fraction, long seed, CleverEndpoint... endpoints) {
        if (fraction < 0 || fraction > 1) {
            throw new IllegalArgumentException("fraction must be in [0, 1]");
        }
        Set<CleverEndpoint> only = endpoints.length == 0 ? EnumSet.allOf(CleverEndpoint.class)
                : EnumSet.copyOf(List.of(endpoints));
        return new Next(rule -> {
            synchronized (CleverFaults.this) {
                this.fraction = fraction;
                this.random = new Random(seed);
                this.fractionEndpoints = only;
                this.fractionRule = rule;
            }
        }, Integer.MAX_VALUE);
    }

    /** Makes deployments of applications with this name stay {@code DEPLOYING} forever (launcher never called). */
    public CleverFaults deploymentNeverUp(String appName) {
        Objects.requireNonNull(appName, "appName");
        return deploymentNeverUp(app -> appName.equals(app.name()));
    }

    /** Makes deployments of matching applications stay {@code DEPLOYING} forever (launcher never called). */
    public synchronized CleverFaults deploymentNeverUp(Predicate<SimulatedApplication> predicate) {
        Objects.requireNonNull(predicate, "predicate");
        Predicate<SimulatedApplication> previous = neverUp;
        neverUp = previous.or(predicate);
        return this;
    }

    /** The next {@code n} {@code DELETE …/applications/{a}} of existing apps answer 500 and delete nothing. */
    public synchronized CleverFaults deleteFailsTimes(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0");
        }
        deleteFailures = n;
        return this;
    }

    /** The application disappears now, as if deleted from the console: its VM stops, later calls get 404. */
    public CleverFaults vanish(String appId) {
        simulator.vanish(appId);
        return this;
    }

    /** Removes every rule and scenario switch. */
    public synchronized void clear() {
        rules.clear();
        fractionRule = null;
        deleteFailures = 0;
        neverUp = app -> false;
    }

    /** How many injected calls are still queued for an endpoint (fraction rules not counted). */
    public synchronized int pending(CleverEndpoint endpoint) {
        Deque<Rule> queue = rules.get(endpoint);
        return queue == null ? 0 : queue.stream().mapToInt(r -> r.remaining).sum();
    }

    synchronized Action take(CleverEndpoint endpoint) {
        Deque<Rule> queue = rules.get(endpoint);
        Rule rule = null;
        if (queue != null && !queue.isEmpty()) {
            rule = queue.peekFirst();
            if (--rule.remaining <= 0) {
                queue.pollFirst();
            }
        } else if (fractionRule != null && fractionEndpoints.contains(endpoint) && random.nextDouble() < fraction) {
            rule = fractionRule;
        }
        if (rule == null) {
            return null;
        }
        int status = rule.statuses.length == 0 ? 0
                : rule.statuses.length == 1 ? rule.statuses[0]
                : rule.statuses[(random != null && rule == fractionRule ? random : new Random()).nextInt(rule.statuses.length)];
        Map<String, String> headers = rule.headers;
        if (headers == null) {
            headers = status == 429 || status == 503 ? Map.of("Retry-After", "1") : Map.of();
        }
        return new Action(rule.kind, status, headers, rule.body, rule.delay);
    }

    synchronized boolean takeDeleteFailure() {
        if (deleteFailures > 0) {
            deleteFailures--;
            return true;
        }
        return false;
    }

    synchronized boolean neverUp(SimulatedApplication app) {
        return neverUp.test(app);
    }

    private synchronized void add(CleverEndpoint endpoint, Rule rule) {
        rules.computeIfAbsent(endpoint, e -> new ArrayDeque<>()).addLast(rule);
    }

    /** The second half of {@code next(…)} or {@code fraction(…)}. */
    public final class Next {
        private final java.util.function.Consumer<Rule> sink;
        private final int times;

        private Next(java.util.function.Consumer<Rule> sink, int times) {
            this.sink = sink;
            this.times = times;
        }

        /** Answer with this status and a Clever error body ({@code Retry-After: 1} for 429 and 503). */
        public CleverFaults respond(int status) {
            return respond(status, null, null);
        }

        /** Answer with this status and exactly these headers. */
        public CleverFaults respond(int status, Map<String, String> headers) {
            return respond(status, Map.copyOf(headers), null);
        }

        /** Answer with this status, headers (null for the defaults) and body (null for a Clever error body). */
        public CleverFaults respond(int status, Map<String, String> headers, String body) {
            check(status);
            sink.accept(new Rule(Kind.RESPOND, new int[] {status}, headers == null ? null : Map.copyOf(headers), body,
                    null, times));
            return CleverFaults.this;
        }

        /** Answer with one of these statuses, chosen at random (seeded for fraction rules). */
        public CleverFaults respondOneOf(int... statuses) {
            if (statuses.length == 0) {
                throw new IllegalArgumentException("no status");
            }
            for (int s : statuses) {
                check(s);
            }
            sink.accept(new Rule(Kind.RESPOND, statuses.clone(), null, null, null, times));
            return CleverFaults.this;
        }

        /** Wait this long, then handle the call normally. */
        public CleverFaults delay(Duration delay) {
            Objects.requireNonNull(delay, "delay");
            sink.accept(new Rule(Kind.DELAY, new int[0], Map.of(), null, delay, times));
            return CleverFaults.this;
        }

        /** Close the connection without any response. */
        public CleverFaults dropConnection() {
            sink.accept(new Rule(Kind.DROP, new int[0], Map.of(), null, null, times));
            return CleverFaults.this;
        }

        private void check(int status) {
            if (status < 100 || status > 599) {
                throw new IllegalArgumentException("status " + status);
            }
        }
    }
}
