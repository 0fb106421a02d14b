package org.cleverrunner.core.hosts.pool;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Replays a job-arrival trace against a {@link PoolPolicy} in virtual time, with the live pool's own
 * {@link PoolPlanner}: what the VMs cost (billed per host from creation to deletion, rounded up to 10 s, as Clever
 * Cloud bills) and how long jobs wait (from queued to their first script line: a new VM's boot, or an idle host's
 * clean-up and check). The pool is ticked every 10 s, as the live one is.
 */
public final class PoolSimulator {

    /** Billing granularity and the pool's tick. */
    static final Duration STEP = Duration.ofSeconds(10);

    /**
     * What the simulation assumes of the cloud.
     *
     * @param bootTime from creation to a host ready for jobs
     * @param reuseOverhead cleaning a kept host and checking it before its next job
     * @param pricePerHour by flavor (missing: 0), for the cost column
     */
    public record Cloud(Duration bootTime, Duration reuseOverhead, Map<String, Double> pricePerHour) {
        public Cloud {
            pricePerHour = Map.copyOf(pricePerHour == null ? Map.of() : pricePerHour);
        }
    }

    /** One policy's figures. */
    public record Result(String policy, int jobs, long billedSeconds, long busySeconds, double cost, Duration p50,
            Duration p95, Duration max, int reused, int hostsCreated) {

        /** The share of billed time no job ran. */
        public double idleShare() {
            return billedSeconds == 0 ? 0 : 1.0 - (double) busySeconds / billedSeconds;
        }
    }

    private record Event(Instant at, long sequence, Runnable action) {
    }

    private final PoolPolicy policy;
    private final Cloud cloud;
    private final String defaultFlavor;

    public PoolSimulator(PoolPolicy policy, Cloud cloud, String defaultFlavor) {
        this.policy = policy;
        this.cloud = cloud;
        this.defaultFlavor = defaultFlavor;
    }

    public Result run(List<ArrivalTrace.Job> jobs) {
        return new Run(jobs).result();
    }

    private final class Run {
        final PoolPlanner planner = new PoolPlanner(policy);
        final PriorityQueue<Event> events = new PriorityQueue<>((a, b) -> a.at.equals(b.at)
                ? Long.compare(a.sequence, b.sequence) : a.at.compareTo(b.at));
        final Map<Long, Instant> createdAt = new HashMap<>();
        final Map<Long, List<ArrivalTrace.Job>> waitingForBoot = new HashMap<>();
        final Deque<ArrivalTrace.Job> queue = new ArrayDeque<>();
        final List<Duration> waits = new ArrayList<>();
        long sequence;
        long billed;
        long busy;
        double cost;
        int reused;
        int created;
        Instant now;
        final Instant end;

        Run(List<ArrivalTrace.Job> jobs) {
            planner.expect(defaultFlavor);
            Instant first = jobs.isEmpty() ? ArrivalTrace.EPOCH : jobs.get(0).queuedAt();
            Instant last = first;
            for (ArrivalTrace.Job job : jobs) {
                at(job.queuedAt(), () -> arrive(job));
                last = job.queuedAt().plus(job.duration()).isAfter(last) ? job.queuedAt().plus(job.duration()) : last;
            }
            // ticks from a boot before the first arrival (a runner already running) until an hour after the last end
            end = last.plus(Duration.ofHours(1));
            now = first.minus(cloud.bootTime()).minus(STEP);
            for (Instant t = now; t.isBefore(end); t = t.plus(STEP)) {
                at(t, this::tick);
            }
            while (!events.isEmpty()) {
                Event event = events.poll();
                now = event.at;
                event.action.run();
            }
            // what is left when the runner stops is deleted then
            for (PoolPlanner.Host host : planner.hosts()) {
                bill(host, end);
            }
        }

        void at(Instant when, Runnable action) {
            events.add(new Event(when, sequence++, action));
        }

        void arrive(ArrivalTrace.Job job) {
            // first come, first served: behind those already waiting
            if (!queue.isEmpty() || !place(job)) {
                queue.add(job);
            }
        }

        boolean place(ArrivalTrace.Job job) {
            String scope = policy.scope().key(job.project());
            var placement = planner.place(job.flavor(), scope, now);
            planner.takeEvicted().forEach(host -> bill(host, now));
            if (placement.isEmpty()) {
                return false;
            }
            PoolPlanner.Host host = placement.get().host();
            switch (placement.get().kind()) {
                case REUSED -> {
                    reused++;
                    start(job, host, now.plus(cloud.reuseOverhead()));
                }
                case BOOTING -> waitingForBoot.computeIfAbsent(host.id(), id -> new ArrayList<>()).add(job);
                case CREATED -> {
                    created(host);
                    waitingForBoot.computeIfAbsent(host.id(), id -> new ArrayList<>()).add(job);
                }
            }
            return true;
        }

        void created(PoolPlanner.Host host) {
            created++;
            createdAt.put(host.id(), now);
            at(now.plus(cloud.bootTime()), () -> {
                planner.ready(host, now);
                for (ArrivalTrace.Job job : waitingForBoot.getOrDefault(host.id(), List.of())) {
                    start(job, host, now);
                }
                waitingForBoot.remove(host.id());
            });
        }

        void start(ArrivalTrace.Job job, PoolPlanner.Host host, Instant startsAt) {
            Duration wait = Duration.between(job.queuedAt(), startsAt);
            waits.add(wait.isNegative() ? Duration.ZERO : wait);
            busy += job.duration().toSeconds();
            at(startsAt.plus(job.duration()), () -> {
                if (!planner.finished(host, now, true)) {
                    bill(host, now);
                }
                drain();
            });
        }

        void tick() {
            PoolPlanner.Tick tick = planner.tick(now);
            tick.created().forEach(this::created);
            tick.deleted().forEach(host -> bill(host, now));
            drain();
        }

        void drain() {
            while (!queue.isEmpty() && place(queue.peek())) {
                queue.poll();
            }
        }

        void bill(PoolPlanner.Host host, Instant deletedAt) {
            Instant from = createdAt.getOrDefault(host.id(), deletedAt);
            long seconds = Duration.between(from, deletedAt).toSeconds();
            long rounded = Math.max(STEP.toSeconds(), (seconds + STEP.toSeconds() - 1) / STEP.toSeconds()
                    * STEP.toSeconds());
            billed += rounded;
            cost += rounded / 3600.0 * cloud.pricePerHour().getOrDefault(host.flavor(), 0.0);
            createdAt.remove(host.id());
        }

        Result result() {
            List<Duration> sorted = new ArrayList<>(waits);
            sorted.sort(null);
            return new Result(policy.name(), waits.size(), billed, busy, cost, percentile(sorted, 0.50),
                    percentile(sorted, 0.95), sorted.isEmpty() ? Duration.ZERO : sorted.get(sorted.size() - 1),
                    reused, created);
        }
    }

    static Duration percentile(List<Duration> sorted, double p) {
        if (sorted.isEmpty()) {
            return Duration.ZERO;
        }
        int index = (int) Math.ceil(p * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }
}
