package org.cleverrunner.core.hosts;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.cleverrunner.core.hosts.pool.PoolPlanner;
import org.cleverrunner.core.hosts.pool.PoolPolicy;
import org.cleverrunner.spi.Host;
import org.cleverrunner.spi.HostProvisioningException;
import org.cleverrunner.spi.HostRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live warm pool of one runner: the {@link PoolPlanner}'s decisions carried out with the lifecycle's own
 * provisioning and deletion. Spare hosts are created every tick (10 s) as the policy asks, in the background;
 * a job takes an idle host of its flavor and scope (checked with the lifecycle's probe first: one that does not
 * answer is deleted, never used), a spare still booting, or a new host; a host given back is checked and kept for
 * its scope, else deleted. Pool VMs are named {@code <prefix>-<runner id>-w<random>}: no job holds them, so after a
 * crash the reaper deletes them, while the live pool keeps them out of the leftovers it lists.
 */
final class WarmPool implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WarmPool.class);

    private final HostLifecycle lifecycle;
    private final PoolPlanner planner;
    private final PoolPolicy policy;
    private final String runnerId;
    private final Clock clock;
    private final Map<Long, Host> ready = new ConcurrentHashMap<>();
    private final Map<Long, CompletableFuture<Host>> booting = new ConcurrentHashMap<>();
    private final Map<String, PoolPlanner.Host> byHostId = new ConcurrentHashMap<>();
    /** Each host's jobs: the last one (its check looks for what that job left) and the time they took. */
    private final Map<Long, Usage> usage = new ConcurrentHashMap<>();
    private final ScheduledExecutorService ticker;
    private final ExecutorService workers;
    private final SecureRandom random = new SecureRandom();
    /** Names of the pool's VMs being provisioned: the reaper must not take them for leftovers. */
    private final java.util.Set<String> provisioning = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    /** Rooms reserved for jobs being asked for (preemptive mode); taken by their acquisition. Under the lock. */
    private int reserved;

    WarmPool(HostLifecycle lifecycle, PoolPolicy policy, String runnerId, Clock clock, String defaultFlavor,
            Duration tick) {
        this.lifecycle = lifecycle;
        this.policy = policy;
        this.planner = new PoolPlanner(policy);
        this.planner.expect(defaultFlavor);
        this.runnerId = runnerId;
        this.clock = clock;
        AtomicInteger threads = new AtomicInteger();
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "warm-pool-tick-" + runnerId));
        this.workers = Executors.newCachedThreadPool(r -> daemon(r, "warm-pool-" + runnerId + "-"
                + threads.incrementAndGet()));
        // the first tick a tick from now: the engine puts its launch gate on the lifecycle first
        ticker.scheduleWithFixedDelay(this::tick, tick.toMillis(), tick.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread thread = new Thread(r, name);
        thread.setDaemon(true);
        return thread;
    }

    /** Whether a VM is one of the pool's, provisioned or still being provisioned. */
    boolean owns(org.cleverrunner.spi.Vm vm) {
        return byHostId.containsKey(vm.id()) || provisioning.contains(vm.name());
    }

    /** A host for a job of {@code request}'s project, from the pool or made for it. */
    Host acquire(HostRequest request, String flavor) throws InterruptedException {
        String scope = policy.scope().key(request.labels().getOrDefault("project", "unknown"));
        synchronized (planner) {
            // the room reserved before this job was asked for is this job's now
            reserved = Math.max(0, reserved - 1);
        }
        Instant deadline = clock.instant().plus(policy.acquireTimeout());
        while (true) {
            PoolPlanner.Placement placement;
            synchronized (planner) {
                while (true) {
                    if (closed) {
                        throw new HostProvisioningException("the runner is stopping");
                    }
                    var placed = planner.place(flavor, scope, clock.instant());
                    planner.takeEvicted().forEach(this::deleteLater);
                    if (placed.isPresent()) {
                        placement = placed.get();
                        break;
                    }
                    if (!clock.instant().isBefore(deadline)) {
                        throw new HostProvisioningException("the warm pool had no room for this job within "
                                + org.cleverrunner.spi.Durations.human(policy.acquireTimeout()) + " (max_instances "
                                + policy.maxInstances() + ")");
                    }
                    planner.wait(1000);
                }
            }
            PoolPlanner.Host slot = placement.host();
            switch (placement.kind()) {
                case REUSED -> {
                    Host host = ready.get(slot.id());
                    // the listing of what the previous job left was done when it ended: a ping says it still lives
                    String problem = host == null ? "gone" : lifecycle.check(host, runnerId, null);
                    if (problem == null) {
                        LOG.info("job {} takes the warm VM {} ({} use)", request.jobId(), host.id(), slot.uses());
                        began(slot, request);
                        return marked(host, "a warm VM, use " + slot.uses());
                    }
                    LOG.warn("the warm VM {} failed its check ({}): deleted, never reused", slot.id(), problem);
                    drop(slot);
                }
                case BOOTING -> {
                    CompletableFuture<Host> future = booting.get(slot.id());
                    try {
                        Host host = future == null ? ready.get(slot.id()) : future.get();
                        if (host != null) {
                            began(slot, request);
                            return marked(host, "a spare VM of the pool");
                        }
                    } catch (InterruptedException e) {
                        // canceled: the spare goes back to the pool, unbound (it ran nothing)
                        synchronized (planner) {
                            planner.unclaim(slot);
                        }
                        throw e;
                    } catch (ExecutionException e) {
                        // the spare failed to boot; the lifecycle deleted it: try again
                    }
                }
                case CREATED -> {
                    try {
                        Host host = provision(flavor, request.labels());
                        register(slot, host);
                        synchronized (planner) {
                            planner.ready(slot, clock.instant());
                        }
                        began(slot, request);
                        return marked(host, "a new VM of the pool");
                    } catch (InterruptedException | RuntimeException e) {
                        synchronized (planner) {
                            planner.forget(slot);
                            planner.notifyAll();
                        }
                        throw e;
                    }
                }
            }
        }
    }

    /** True when the pool keeps the host (idle, for its scope); false when the caller deletes it. */
    boolean release(Host host) {
        PoolPlanner.Host slot = byHostId.get(host.id());
        if (slot == null) {
            return false;
        }
        Usage used = usage.computeIfAbsent(slot.id(), id -> new Usage());
        used.ended(clock.instant());
        boolean healthy;
        try {
            String problem = closed ? "the runner is stopping" : lifecycle.check(host, runnerId, used.lastJob);
            healthy = problem == null;
            if (!healthy && !closed) {
                LOG.warn("the warm VM {} failed its check after job {} ({}): deleted", host.id(), used.lastJob,
                        problem);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            healthy = false;
        }
        boolean kept;
        synchronized (planner) {
            kept = !closed && planner.finished(slot, clock.instant(), healthy);
            planner.notifyAll();
        }
        if (!kept) {
            unregister(slot);
        }
        return kept;
    }

    private void tick() {
        if (closed) {
            return;
        }
        try {
            PoolPlanner.Tick tick;
            synchronized (planner) {
                tick = planner.tick(clock.instant());
                // under the lock: a job that claims a spare finds its boot under way
                tick.created().forEach(this::boot);
                planner.notifyAll();
            }
            tick.deleted().forEach(this::deleteLater);
        } catch (RuntimeException e) {
            LOG.warn("warm pool of {}: tick failed: {}", runnerId, e.toString());
        }
    }

    /** Provisions a spare in the background. */
    private void boot(PoolPlanner.Host slot) {
        CompletableFuture<Host> future = new CompletableFuture<>();
        booting.put(slot.id(), future);
        workers.execute(() -> {
            try {
                Host host = provision(slot.flavor(), Map.of("pool", runnerId));
                boolean orphan;
                synchronized (planner) {
                    // the runner stopped while this spare booted: nobody will take it
                    orphan = closed;
                    if (!orphan) {
                        register(slot, host);
                        planner.ready(slot, clock.instant());
                        planner.notifyAll();
                    }
                }
                if (orphan) {
                    lifecycle.destroy(host);
                    future.completeExceptionally(new HostProvisioningException("the runner is stopping"));
                    return;
                }
                future.complete(host);
            } catch (InterruptedException e) {
                synchronized (planner) {
                    planner.forget(slot);
                }
                future.completeExceptionally(e);
            } catch (RuntimeException e) {
                LOG.warn("warm pool of {}: a spare {} VM could not be provisioned: {}", runnerId, slot.flavor(),
                        e.getMessage());
                synchronized (planner) {
                    planner.forget(slot);
                    planner.notifyAll();
                }
                future.completeExceptionally(e);
            } finally {
                booting.remove(slot.id());
            }
        });
    }

    /** The host with {@link HostLifecycle#ORIGIN}: where it came from, for the job's log. */
    private static Host marked(Host host, String origin) {
        Map<String, String> attributes = new java.util.LinkedHashMap<>(host.attributes());
        attributes.put(HostLifecycle.ORIGIN, origin);
        return new Host(host.id(), host.dockerEndpoint(), host.accessToken(), host.flavor(), attributes);
    }

    private Host provision(String flavor, Map<String, String> labels) throws InterruptedException {
        String name = name();
        provisioning.add(name);
        try {
            return lifecycle.provision(name, flavor, labels);
        } finally {
            provisioning.remove(name);
        }
    }

    private void register(PoolPlanner.Host slot, Host host) {
        ready.put(slot.id(), host);
        byHostId.put(host.id(), slot);
    }

    private void began(PoolPlanner.Host slot, HostRequest request) {
        usage.computeIfAbsent(slot.id(), id -> new Usage()).began(Long.toString(request.jobId()), clock.instant());
    }

    /**
     * The end of a pool VM's life, whatever ends it: what Clever Cloud bills for it (creation to deletion, rounded
     * up to 10 s), how much of it jobs used, and the idle rest, in the log and to the lifecycle's billing listener.
     * A job's own log tells only the time it used the VM.
     */
    private void ended(PoolPlanner.Host slot, Host host) {
        Usage used = usage.remove(slot.id());
        Instant now = clock.instant();
        long up = Math.max(1, (Duration.between(slot.createdAt(), now).toMillis() + 999) / 1000);
        long billed = (up + 9) / 10 * 10;
        long busy = used == null ? 0 : Math.min(billed, (used.busy(now).toMillis() + 999) / 1000);
        long idle = billed - busy;
        org.cleverrunner.spi.Flavor flavor = lifecycle.flavors().get(slot.flavor());
        String cost = flavor == null || flavor.pricePerHour() <= 0 ? "" : String.format(java.util.Locale.ROOT,
                ", estimated cost %.4f %s (idle %.4f)", billed / 3600.0 * flavor.pricePerHour(),
                lifecycle.currency(), idle / 3600.0 * flavor.pricePerHour());
        LOG.info("warm pool of {}: the {} VM {} ends: up {} s, billed {} s, {} job(s) used it {} s, idle {} s"
                + " ({} %){}", runnerId, slot.flavor(), host.id(), up, billed, used == null ? 0 : used.jobs, busy,
                idle, billed == 0 ? 0 : idle * 100 / billed, cost);
        lifecycle.billed(slot.flavor(), billed, idle);
    }

    /** The jobs a pool host ran, under the pool's maps (one job at a time runs on a host). */
    private static final class Usage {
        volatile String lastJob;
        int jobs;
        Instant busySince;
        Duration busy = Duration.ZERO;

        synchronized void began(String job, Instant now) {
            lastJob = job;
            jobs++;
            busySince = now;
        }

        synchronized void ended(Instant now) {
            if (busySince != null) {
                busy = busy.plus(Duration.between(busySince, now));
                busySince = null;
            }
        }

        synchronized Duration busy(Instant now) {
            return busySince == null ? busy : busy.plus(Duration.between(busySince, now));
        }
    }

    private void unregister(PoolPlanner.Host slot) {
        Host host = ready.remove(slot.id());
        if (host != null) {
            ended(slot, host);
            byHostId.remove(host.id());
        } else {
            usage.remove(slot.id());
        }
    }

    private void drop(PoolPlanner.Host slot) {
        synchronized (planner) {
            planner.forget(slot);
            planner.notifyAll();
        }
        deleteLater(slot);
    }

    /** Deletes a pool host's VM in the background (the planner already forgot it). */
    private void deleteLater(PoolPlanner.Host slot) {
        Host host = ready.get(slot.id());
        unregister(slot);
        if (host == null) {
            return;
        }
        workers.execute(() -> {
            try {
                lifecycle.destroy(host);
                LOG.info("warm pool of {}: deleted the idle VM {}", runnerId, host.id());
            } catch (RuntimeException e) {
                LOG.warn("warm pool of {}: the VM {} could not be deleted; the reaper will: {}", runnerId,
                        host.id(), e.getMessage());
            }
        });
    }

    private String name() {
        byte[] bytes = new byte[4];
        random.nextBytes(bytes);
        return lifecycle.name(runnerId, 0).replaceFirst("-0$", "") + "-w" + HexFormat.of().formatHex(bytes);
    }

    /** See {@link HostLifecycle#hasRoom()}. */
    boolean hasRoom() {
        synchronized (planner) {
            return !planner.preemptive(clock.instant()) || planner.room() > reserved;
        }
    }

    /** See {@link HostLifecycle#reserve()}. */
    boolean reserve() {
        synchronized (planner) {
            if (planner.preemptive(clock.instant()) && planner.room() <= reserved) {
                return false;
            }
            reserved++;
            return true;
        }
    }

    void unreserve() {
        synchronized (planner) {
            reserved = Math.max(0, reserved - 1);
            planner.notifyAll();
        }
    }

    /** Stops ticking and deletes every VM the pool holds that no job runs on; busy ones go when released. */
    @Override
    public void close() {
        ticker.shutdownNow();
        List<PoolPlanner.Host> idle;
        synchronized (planner) {
            closed = true;
            idle = planner.hosts().stream().filter(h -> h.state() != PoolPlanner.State.BUSY).toList();
            idle.forEach(planner::forget);
            planner.notifyAll();
        }
        booting.values().forEach(future -> future.cancel(true));
        for (PoolPlanner.Host slot : idle) {
            Host host = ready.get(slot.id());
            unregister(slot);
            if (host != null) {
                try {
                    lifecycle.destroy(host);
                } catch (RuntimeException e) {
                    LOG.warn("warm pool of {}: the VM {} could not be deleted at stop; the reaper will: {}",
                            runnerId, host.id(), e.getMessage());
                }
            }
        }
        workers.shutdownNow();
        try {
            // interrupted provisionings delete what they created: let them
            workers.awaitTermination(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
