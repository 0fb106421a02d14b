package org.cleverrunner.testkit;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * Fault injection: {@code faults().next(Endpoint.TRACE_PATCH, 2).respond(503)} makes the next two trace patches
 * answer 503, after which normal behaviour resumes. Rules queue up per endpoint in the order they are added.
 */
public final class Faults {

    /** What a fault does. */
    enum Kind { RESPOND, DELAY, DROP, RANGE_MISMATCH }

    /** One queued rule: a kind, its parameters and how many calls it still applies to. */
    static final class Rule {
        final Kind kind;
        final int status;
        final Map<String, String> headers;
        final String body;
        final Duration delay;
        int remaining;

        Rule(Kind kind, int status, Map<String, String> headers, String body, Duration delay, int remaining) {
            this.kind = kind;
            this.status = status;
            this.headers = headers;
            this.body = body;
            this.delay = delay;
            this.remaining = remaining;
        }
    }

    private final Map<Endpoint, Deque<Rule>> rules = new EnumMap<>(Endpoint.class);

    Faults() {
    }

    /** Starts a rule for the next {@code times} calls of {@code endpoint}. */
    public Next next(Endpoint endpoint, int times) {
        Objects.requireNonNull(endpoint, "endpoint");
        if (times <= 0) {
            throw new IllegalArgumentException("times must be positive");
        }
        return new Next(endpoint, times);
    }

    /** Shorthand for {@code next(endpoint, 1)}. */
    public Next next(Endpoint endpoint) {
        return next(endpoint, 1);
    }

    /** Removes every pending rule. */
    public synchronized void clear() {
        rules.clear();
    }

    /** How many injected calls are still pending for an endpoint. */
    public synchronized int pending(Endpoint endpoint) {
        Deque<Rule> queue = rules.get(endpoint);
        return queue == null ? 0 : queue.stream().mapToInt(r -> r.remaining).sum();
    }

    synchronized Rule take(Endpoint endpoint) {
        Deque<Rule> queue = rules.get(endpoint);
        if (queue == null || queue.isEmpty()) {
            return null;
        }
        Rule rule = queue.peekFirst();
        if (--rule.remaining <= 0) {
            queue.pollFirst();
        }
        return rule;
    }

    private synchronized void add(Endpoint endpoint, Rule rule) {
        rules.computeIfAbsent(endpoint, e -> new ArrayDeque<>()).addLast(rule);
    }

    /** The second half of {@code faults().next(endpoint, n).…}. */
    public final class Next {
        private final Endpoint endpoint;
        private final int times;

        private Next(Endpoint endpoint, int times) {
            this.endpoint = endpoint;
            this.times = times;
        }

        /** Answer with this status and a Rails-style {@code {"message":"<status> <reason>"}} body. */
        public Faults respond(int status) {
            return respond(status, Map.of());
        }

        /** Answer with this status and these extra headers, e.g. {@code Map.of("Retry-After", "1")}. */
        public Faults respond(int status, Map<String, String> headers) {
            return respond(status, headers, null);
        }

        /** Answer with this status, headers and JSON body (null for the default message body). */
        public Faults respond(int status, Map<String, String> headers, String jsonBody) {
            if (status < 100 || status > 599) {
                throw new IllegalArgumentException("status " + status);
            }
            add(endpoint, new Rule(Kind.RESPOND, status, Map.copyOf(headers), jsonBody, null, times));
            return Faults.this;
        }

        /** Wait this long, then handle the request normally. */
        public Faults delay(Duration delay) {
            Objects.requireNonNull(delay, "delay");
            add(endpoint, new Rule(Kind.DELAY, 0, Map.of(), null, delay, times));
            return Faults.this;
        }

        /** Close the connection without sending any response: the client sees an IOException. */
        public Faults dropConnection() {
            add(endpoint, new Rule(Kind.DROP, 0, Map.of(), null, null, times));
            return Faults.this;
        }

        /**
         * Answer 416 with the true current {@code Range: 0-<size>} (trace patches) without appending; for other
         * endpoints this is a plain 416.
         */
        public Faults respondRangeMismatch() {
            add(endpoint, new Rule(Kind.RANGE_MISMATCH, 416, Map.of(), null, null, times));
            return Faults.this;
        }
    }
}
