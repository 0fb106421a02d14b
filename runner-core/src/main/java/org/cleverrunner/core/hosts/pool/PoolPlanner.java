package org.cleverrunner.core.hosts.pool;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The warm pool's decisions, with no I/O and no clock of its own, so that the simulator replays them in virtual
 * time exactly as a live pool takes them: where a job runs (an idle host of its flavor and scope, oldest first; a
 * booting host kept for idle capacity; else a new host, within {@code max_instances}), whether a host is kept after
 * a job (not past {@code max_uses}, not unhealthy, not when no rule keeps hosts), which hosts to create for idle
 * capacity and which idle ones to delete. A host serves one scope from its first job on. Not thread-safe: its owner
 * serialises calls.
 */
public final class PoolPlanner {

    /** A host's state in the pool. */
    public enum State { BOOTING, IDLE, BUSY }

    /** A host as the planner sees it. */
    public static final class Host {
        final long id;
        final String flavor;
        final Instant createdAt;
        String scope;
        State state = State.BOOTING;
        boolean claimed;
        Instant idleSince;
        int uses;

        Host(long id, String flavor, String scope, Instant createdAt) {
            this.id = id;
            this.flavor = flavor;
            this.scope = scope;
            this.createdAt = createdAt;
        }

        public long id() {
            return id;
        }

        public String flavor() {
            return flavor;
        }

        public String scope() {
            return scope;
        }

        public State state() {
            return state;
        }

        public Instant createdAt() {
            return createdAt;
        }

        public int uses() {
            return uses;
        }
    }

    /** How a job was placed. */
    public enum Kind {
        /** On an idle host: it starts now (after the host's clean-up and health check). */
        REUSED,
        /** On a host booting for idle capacity: it starts when that host is ready. */
        BOOTING,
        /** On a host created for it. */
        CREATED
    }

    /** Where a job runs. */
    public record Placement(Host host, Kind kind) {
    }

    /** What a tick decided: hosts to create (for idle capacity) and idle hosts to delete. */
    public record Tick(List<Host> created, List<Host> deleted) {
    }

    private final PoolPolicy policy;
    private final Map<Long, Host> hosts = new LinkedHashMap<>();
    private final Set<String> flavorsSeen = new LinkedHashSet<>();
    /** Idle hosts {@link #place} deleted to make room, until the owner takes them. */
    private final List<Host> deletedByPlacement = new ArrayList<>();
    private long nextId = 1;

    public PoolPlanner(PoolPolicy policy) {
        this.policy = policy;
    }

    public PoolPolicy policy() {
        return policy;
    }

    /** Counts a flavor among those {@code *} idle counts apply to before any job asked for it (the default). */
    public void expect(String flavor) {
        flavorsSeen.add(flavor);
    }

    /** Preemptive mode, as GitLab Runner's: the rule in force keeps idle hosts. */
    public boolean preemptive(Instant now) {
        PoolPolicy.Rule rule = policy.ruleAt(now);
        return rule != null && rule.idleCount().values().stream().anyMatch(count -> count > 0);
    }

    /**
     * How many jobs of any scope could be placed without waiting for another job's end: room for new hosts, idle
     * ones (their own scope's, or deleted to make room), and spares booting.
     */
    public int room() {
        int free = Math.max(0, policy.maxInstances() - hosts.size());
        return free + (int) hosts.values().stream().filter(h -> h.state == State.IDLE
                || h.state == State.BOOTING && !h.claimed && h.scope == null).count();
    }

    /** Every host, booting, idle or busy. */
    public List<Host> hosts() {
        return List.copyOf(hosts.values());
    }

    /** A job of {@code flavor} and scope key {@code scope} arrives; empty when the pool is full (it waits). */
    public Optional<Placement> place(String flavor, String scope, Instant now) {
        flavorsSeen.add(flavor);
        Optional<Host> idle = hosts.values().stream()
                .filter(h -> h.state == State.IDLE && h.flavor.equals(flavor)
                        && (h.scope == null || h.scope.equals(scope)))
                .min(Comparator.comparing((Host h) -> h.createdAt).thenComparing(h -> h.id));
        if (idle.isPresent()) {
            Host host = idle.get();
            host.scope = scope;
            host.state = State.BUSY;
            host.uses++;
            return Optional.of(new Placement(host, Kind.REUSED));
        }
        Optional<Host> booting = hosts.values().stream()
                .filter(h -> h.state == State.BOOTING && !h.claimed && h.scope == null && h.flavor.equals(flavor))
                .min(Comparator.comparing((Host h) -> h.createdAt).thenComparing(h -> h.id));
        if (booting.isPresent()) {
            Host host = booting.get();
            host.claimed = true;
            host.scope = scope;
            host.uses++;
            return Optional.of(new Placement(host, Kind.BOOTING));
        }
        if (hosts.size() >= policy.maxInstances()) {
            Optional<Host> spare = oldestIdle();
            if (spare.isEmpty()) {
                return Optional.empty();
            }
            // a full pool whose idle hosts serve other scopes or flavors: one makes room (privacy first)
            hosts.remove(spare.get().id);
            deletedByPlacement.add(spare.get());
        }
        Host host = new Host(nextId++, flavor, scope, now);
        host.claimed = true;
        host.uses = 1;
        hosts.put(host.id, host);
        return Optional.of(new Placement(host, Kind.CREATED));
    }

    /** Hosts {@link #place} deleted to make room since the last call (the owner deletes the VMs). */
    public List<Host> takeEvicted() {
        List<Host> evicted = List.copyOf(deletedByPlacement);
        deletedByPlacement.clear();
        return evicted;
    }

    /** A host that could not be provisioned, or was deleted from outside: the planner forgets it. */
    public void forget(Host host) {
        hosts.remove(host.id);
    }

    /** The job that claimed a booting host gave up (canceled): the host is a spare again, bound to no scope. */
    public void unclaim(Host host) {
        if (host.state == State.BOOTING && host.claimed) {
            host.claimed = false;
            host.scope = null;
            host.uses = Math.max(0, host.uses - 1);
        }
    }

    /** A host finished booting: busy when a job claimed it, else idle. */
    public void ready(Host host, Instant now) {
        if (host.claimed) {
            host.state = State.BUSY;
        } else {
            host.state = State.IDLE;
            host.idleSince = now;
        }
    }

    /**
     * A job on {@code host} ended; {@code healthy}: the host was cleaned and answered its check. True when the host
     * is kept (idle, for its scope), false when it is to be deleted (the planner forgets it).
     */
    public boolean finished(Host host, Instant now, boolean healthy) {
        PoolPolicy.Rule rule = policy.ruleAt(now);
        boolean keep = healthy && (policy.maxUses() == 0 || host.uses < policy.maxUses()) && rule != null
                && rule.idleTime().compareTo(Duration.ZERO) > 0;
        if (!keep) {
            hosts.remove(host.id);
            return false;
        }
        host.state = State.IDLE;
        host.claimed = false;
        host.idleSince = now;
        return true;
    }

    /** Creates hosts for idle capacity and deletes idle hosts past their idle time, beyond what capacity needs. */
    public Tick tick(Instant now) {
        PoolPolicy.Rule rule = policy.ruleAt(now);
        List<Host> created = new ArrayList<>();
        List<Host> deleted = new ArrayList<>();
        Duration idleTime = rule == null ? Duration.ZERO : rule.idleTime();
        for (String flavor : flavors(rule)) {
            int target = target(rule, flavor);
            List<Host> spare = hosts.values().stream().filter(h -> h.flavor.equals(flavor) && h.scope == null
                    && !h.claimed && (h.state == State.IDLE || h.state == State.BOOTING)).toList();
            int missing = target - spare.size();
            while (missing-- > 0 && hosts.size() < policy.maxInstances()) {
                Host host = new Host(nextId++, flavor, null, now);
                hosts.put(host.id, host);
                created.add(host);
            }
            // unbound idle hosts beyond the target, longest idle first, once past their idle time
            List<Host> expired = spare.stream().filter(h -> h.state == State.IDLE
                    && !h.idleSince.plus(idleTime).isAfter(now))
                    .sorted(Comparator.comparing((Host h) -> h.idleSince)).toList();
            int excess = spare.size() - target;
            for (Host host : expired) {
                if (excess-- <= 0) {
                    break;
                }
                hosts.remove(host.id);
                deleted.add(host);
            }
        }
        // hosts bound to a scope are kept for that scope's next job, for the idle time only
        for (Host host : List.copyOf(hosts.values())) {
            if (host.state == State.IDLE && host.scope != null && !host.idleSince.plus(idleTime).isAfter(now)) {
                hosts.remove(host.id);
                deleted.add(host);
            }
        }
        return new Tick(created, deleted);
    }

    /** The idle hosts a rule asks for, for one flavor: idle_count, or the scale factor's share of the busy hosts. */
    int target(PoolPolicy.Rule rule, String flavor) {
        if (rule == null) {
            return 0;
        }
        long busy = hosts.values().stream().filter(h -> h.flavor.equals(flavor) && h.state != State.IDLE
                && h.claimed).count();
        int scaled = (int) Math.min(Math.ceil(busy * rule.scaleFactor()), rule.scaleFactorLimit());
        return Math.max(rule.idleCount(flavor), scaled);
    }

    private Set<String> flavors(PoolPolicy.Rule rule) {
        Set<String> flavors = new LinkedHashSet<>(flavorsSeen);
        if (rule != null) {
            rule.idleCount().keySet().stream().filter(f -> !f.equals("*")).forEach(flavors::add);
        }
        hosts.values().forEach(h -> flavors.add(h.flavor));
        return flavors;
    }

    private Optional<Host> oldestIdle() {
        return hosts.values().stream().filter(h -> h.state == State.IDLE)
                .min(Comparator.comparing((Host h) -> h.idleSince));
    }
}
