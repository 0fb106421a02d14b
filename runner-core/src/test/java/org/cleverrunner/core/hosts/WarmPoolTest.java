package org.cleverrunner.core.hosts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.cleverrunner.core.hosts.pool.PoolPolicy;
import org.cleverrunner.spi.Host;
import org.cleverrunner.spi.HostProvisioningException;
import org.cleverrunner.spi.HostRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/**
 * The live warm pool over a cloud in memory, in real time with short ticks: spares made ahead of jobs, hosts reused
 * within their scope only, checked before and after each job, deleted after their idle time or uses, and none left
 * when the runner stops.
 */
class WarmPoolTest {

    final InMemoryBackend backend = new InMemoryBackend();
    final Set<URI> unhealthy = ConcurrentHashMap.newKeySet();
    HostLifecycle lifecycle;

    HostLifecycle pool(int idle, Duration idleTime, int maxUses, int maxInstances) {
        return pool(idle, idleTime, maxUses, maxInstances, java.time.Clock.systemUTC());
    }

    HostLifecycle pool(int idle, Duration idleTime, int maxUses, int maxInstances, java.time.Clock clock) {
        backend.bootPolls = 3;
        PoolPolicy policy = new PoolPolicy("test", maxInstances, maxUses, PoolPolicy.Scope.PROJECT, List.of(
                new PoolPolicy.Rule(List.of(), ZoneId.of("UTC"), Map.of("M", idle), idleTime, 0, 0)));
        lifecycle = new HostLifecycle(backend, HostLifecycle.Settings.defaults().withNamePrefix("cr")
                .withPollInterval(Duration.ofMillis(20)).withBootTimeout(Duration.ofSeconds(10))
                .withPoolTick(Duration.ofMillis(100))
                .withProbe((endpoint, token) -> unhealthy.contains(endpoint) ? "HTTP 502" : null)
                .withReuseProbe((endpoint, token, runner, previousJob) -> unhealthy.contains(endpoint)
                        ? "1 container of job " + previousJob + " left" : null)
                .withTime(clock, org.cleverrunner.http.Sleeper.SYSTEM), policy, "abc123");
        return lifecycle;
    }

    static HostRequest job(long id, String project) {
        return new HostRequest("abc123", id, "M", Map.of("job", Long.toString(id), "project", project));
    }

    @AfterEach
    void stop() {
        if (lifecycle != null) {
            lifecycle.close();
            assertThat(backend.vms).as("nothing left when the runner stops").isEmpty();
        }
    }

    // racy by nature (threads, ticks): repeated so that CI sees a rare ordering
    @RepeatedTest(5)
    void sparesAreReadyBeforeTheJobsAndTakenWithoutACreation() throws Exception {
        pool(2, Duration.ofMinutes(5), 0, 8);
        await().atMost(Duration.ofSeconds(10)).until(() -> backend.vms.size() == 2 && backend.polls.values().stream()
                .allMatch(p -> p.get() > 3));
        int created = creations();

        Host first = lifecycle.acquire(job(1, "g/a"));
        Host second = lifecycle.acquire(job(2, "g/b"));

        assertThat(first.id()).isNotEqualTo(second.id());
        assertThat(first.attributes().get(HostLifecycle.VM_NAME)).matches("cr-abc123-w[0-9a-f]{8}");
        // the two jobs took the spares; the pool then made two more, in the background
        await().atMost(Duration.ofSeconds(10)).until(() -> backend.vms.size() == 4);
        assertThat(creations()).isEqualTo(created + 2);
        lifecycle.release(first);
        lifecycle.release(second);
    }

    // racy by nature (threads, ticks): repeated so that CI sees a rare ordering
    @RepeatedTest(5)
    void aHostServesOneProjectOnlyAndTheSameProjectsNextJobGetsItAgain() throws Exception {
        pool(0, Duration.ofMinutes(5), 0, 8);
        Host a = lifecycle.acquire(job(1, "g/a"));
        lifecycle.release(a);

        Host b = lifecycle.acquire(job(2, "g/b"));
        Host againA = lifecycle.acquire(job(3, "g/a"));

        assertThat(b.id()).as("another project never lands on a's host").isNotEqualTo(a.id());
        assertThat(againA.id()).isEqualTo(a.id());
        assertThat(againA.accessToken().reveal()).isEqualTo(a.accessToken().reveal());
        lifecycle.release(b);
        lifecycle.release(againA);
    }

    // racy by nature (threads, ticks): repeated so that CI sees a rare ordering
    @RepeatedTest(5)
    void aHostThatFailsItsCheckIsDeletedNeverReused() throws Exception {
        pool(0, Duration.ofMinutes(5), 0, 8);
        Host a = lifecycle.acquire(job(1, "g/a"));
        unhealthy.add(a.dockerEndpoint());

        lifecycle.release(a);

        assertThat(backend.vms).doesNotContainKey(a.id());
        Host next = lifecycle.acquire(job(2, "g/a"));
        assertThat(next.id()).isNotEqualTo(a.id());

        // kept healthy, then found broken when the next job comes: deleted, and the job gets a fresh host
        lifecycle.release(next);
        unhealthy.add(next.dockerEndpoint());
        Host third = lifecycle.acquire(job(3, "g/a"));
        assertThat(third.id()).isNotEqualTo(next.id());
        await().atMost(Duration.ofSeconds(5)).until(() -> !backend.vms.containsKey(next.id()));
        lifecycle.release(third);
    }

    // racy by nature (threads, ticks): repeated so that CI sees a rare ordering
    @RepeatedTest(5)
    void idleHostsGoAfterTheirIdleTimeAndSpentHostsAtOnce() throws Exception {
        pool(0, Duration.ofMillis(300), 2, 8);
        Host a = lifecycle.acquire(job(1, "g/a"));
        lifecycle.release(a);
        assertThat(backend.vms).containsKey(a.id());
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.vms.isEmpty());

        Host b = lifecycle.acquire(job(2, "g/b"));
        lifecycle.release(b);
        Host b2 = lifecycle.acquire(job(3, "g/b"));
        assertThat(b2.id()).isEqualTo(b.id());
        lifecycle.release(b2);
        assertThat(backend.vms).as("max_uses 2 reached").doesNotContainKey(b.id());
    }

    @Test
    void aPoolVmIsBilledOnceWhenDeletedForItsWholeLifeAndItsIdlePartIsTold() throws Exception {
        MovableClock clock = new MovableClock();
        pool(0, Duration.ofMinutes(5), 0, 8, clock);
        List<long[]> billed = new java.util.concurrent.CopyOnWriteArrayList<>();
        lifecycle.poolBilling((flavor, seconds, idle) -> billed.add(new long[] {seconds, idle}));

        Host host = lifecycle.acquire(job(1, "g/a")); // created for the job at t = 0
        clock.advance(Duration.ofSeconds(25));
        lifecycle.release(host); // 25 s of work
        clock.advance(Duration.ofSeconds(60));
        Host again = lifecycle.acquire(job(2, "g/a")); // 60 s idle, then reused
        assertThat(again.id()).isEqualTo(host.id());
        clock.advance(Duration.ofSeconds(10));
        lifecycle.release(again); // 10 s of work
        assertThat(billed).as("nothing billed while the pool keeps it").isEmpty();

        clock.advance(Duration.ofSeconds(301)); // past the idle time: the next tick deletes it
        await().atMost(Duration.ofSeconds(5)).until(() -> !backend.vms.containsKey(host.id()));
        // up 396 s, billed 400 s (10 s granularity); jobs used it 35 s, so 365 s were idle
        assertThat(billed).hasSize(1);
        assertThat(billed.get(0)).containsExactly(400, 365);
    }

    /** A clock the test moves; the pool's ticks still come on real time, and read it. */
    static final class MovableClock extends java.time.Clock {
        private final java.util.concurrent.atomic.AtomicReference<java.time.Instant> now =
                new java.util.concurrent.atomic.AtomicReference<>(java.time.Instant.parse("2026-12-02T10:00:00Z"));

        void advance(Duration by) {
            now.updateAndGet(instant -> instant.plus(by));
        }

        @Override
        public java.time.Instant instant() {
            return now.get();
        }

        @Override
        public ZoneId getZone() {
            return ZoneId.of("UTC");
        }

        @Override
        public java.time.Clock withZone(ZoneId zone) {
            return this;
        }
    }

    // racy by nature (threads, ticks): repeated so that CI sees a rare ordering
    @RepeatedTest(5)
    void thePoolsHostsAreNoLeftoversWhileItHoldsThemAndAFullPoolMakesJobsWait() throws Exception {
        pool(1, Duration.ofMinutes(5), 0, 2);
        await().atMost(Duration.ofSeconds(10)).until(() -> backend.vms.size() == 1);
        assertThat(lifecycle.leftovers("abc123")).isEmpty();

        Host one = lifecycle.acquire(job(1, "g/a"));
        await().atMost(Duration.ofSeconds(10)).until(() -> backend.vms.size() == 2);
        Host two = lifecycle.acquire(job(2, "g/b"));
        assertThat(backend.vms).hasSize(2);

        // full: the third job waits for room; a released host of another project makes it (deleted, then new)
        var third = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return lifecycle.acquire(job(3, "g/c"));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(300);
        assertThat(third).isNotDone();
        lifecycle.release(one);
        Host got = third.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(got.id()).isNotEqualTo(one.id());
        await().atMost(Duration.ofSeconds(5)).until(() -> !backend.vms.containsKey(one.id()));
        assertThat(backend.vms.size()).isLessThanOrEqualTo(2);
        lifecycle.release(two);
        lifecycle.release(got);
    }

    @Test
    void everyLaunchSparesIncludedPassesTheGateAndAWarmStartNone() throws Exception {
        java.util.concurrent.atomic.AtomicInteger entered = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger inside = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger most = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.Semaphore one = new java.util.concurrent.Semaphore(1);
        pool(2, Duration.ofMinutes(5), 0, 8);
        lifecycle.gate(new LaunchGate() {
            @Override
            public void enter() throws InterruptedException {
                one.acquire();
                entered.incrementAndGet();
                most.accumulateAndGet(inside.incrementAndGet(), Math::max);
            }

            @Override
            public void leave() {
                inside.decrementAndGet();
                one.release();
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> backend.vms.size() == 2 && lifecycle.hasRoom());
        Thread.sleep(300);
        int launchesBefore = entered.get();

        Host warm = lifecycle.acquire(job(1, "g/a"));
        assertThat(entered.get()).as("a warm start launches nothing").isEqualTo(launchesBefore);
        await().atMost(Duration.ofSeconds(10)).until(() -> backend.vms.size() == 3);

        assertThat(most.get()).as("VMs booting at once, max_provisioning = 1").isEqualTo(1);
        assertThat(entered.get()).as("each VM creation passed the gate, the spares' too").isEqualTo(creations());
        lifecycle.release(warm);
    }

    @Test
    void aPolicyThatCannotHoldIsRefusedAtStartWithEveryProblem() {
        PoolPolicy policy = new PoolPolicy("bad", 2, 0, PoolPolicy.Scope.PROJECT, List.of(new PoolPolicy.Rule(
                List.of(), ZoneId.of("UTC"), Map.of("M", 3, "HUGE", 1), Duration.ZERO, 0, 0)));
        assertThatThrownBy(() -> new HostLifecycle(backend, HostLifecycle.Settings.defaults(), policy, "abc123"))
                .isInstanceOf(HostProvisioningException.class)
                .hasMessageContaining("flavor HUGE is not offered (offered: S, M, XL)")
                .hasMessageContaining("idle_count 4 is above max_instances 2")
                .hasMessageContaining("idle_time must be positive");
        assertThat(backend.vms).isEmpty();
    }

    private int creations() {
        return (int) backend.calls.stream().filter(call -> call.startsWith("create")).count();
    }
}
