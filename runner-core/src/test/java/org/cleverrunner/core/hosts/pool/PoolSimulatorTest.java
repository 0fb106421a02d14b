package org.cleverrunner.core.hosts.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The planner's decisions and the simulator's figures on traces small enough to work out by hand: a VM per job
 * costs its jobs' time and makes each wait a boot; a warm pool starts its first jobs at once, reuses hosts only
 * within their scope, scales to zero after the idle time, and never passes max_instances.
 */
class PoolSimulatorTest {

    static final Instant T0 = ArrivalTrace.EPOCH.plus(Duration.ofHours(10)); // Monday 10:00 UTC
    static final PoolSimulator.Cloud CLOUD = new PoolSimulator.Cloud(Duration.ofSeconds(20), Duration.ofSeconds(2),
            Map.of("M", 0.36));

    static ArrivalTrace.Job job(int atSecond, String project, int seconds) {
        return new ArrivalTrace.Job(T0.plusSeconds(atSecond), project, "M", Duration.ofSeconds(seconds));
    }

    static PoolPolicy warm(int idle, PoolPolicy.Scope scope) {
        return new PoolPolicy("warm " + idle, 8, 0, scope, List.of(new PoolPolicy.Rule(List.of(), ZoneId.of("UTC"),
                Map.of("M", idle), Duration.ofMinutes(5), 0, 0)));
    }

    @Test
    void aVmPerJobBillsEachJobsBootAndRunAndMakesEveryJobWaitABoot() {
        List<ArrivalTrace.Job> jobs = List.of(job(0, "g/a", 60), job(100, "g/a", 61));

        PoolSimulator.Result result = new PoolSimulator(PoolPolicy.perJob(8), CLOUD, "M").run(jobs);

        assertThat(result.jobs()).isEqualTo(2);
        // 20 s boot + 60 s = 80 s; 20 + 61 = 81 s, billed as 90 s
        assertThat(result.billedSeconds()).isEqualTo(170);
        assertThat(result.cost()).isCloseTo(170 / 3600.0 * 0.36, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(result.p50()).isEqualTo(Duration.ofSeconds(20));
        assertThat(result.max()).isEqualTo(Duration.ofSeconds(20));
        assertThat(result.reused()).isZero();
        assertThat(result.hostsCreated()).isEqualTo(2);
    }

    @Test
    void aWarmPoolStartsJobsAfterTheCleanUpOnlyAndScalesToZeroWhenItsPeriodEnds() {
        // idle hosts only until 10:05; the jobs come at 10:02
        PoolPolicy policy = new PoolPolicy("morning", 8, 0, PoolPolicy.Scope.RUNNER, List.of(new PoolPolicy.Rule(
                List.of(CronPeriod.parse("0-4 10 * * *")), ZoneId.of("UTC"), Map.of("M", 2), Duration.ofMinutes(1),
                0, 0)));
        List<ArrivalTrace.Job> jobs = List.of(job(120, "g/a", 30), job(121, "h/b", 30));

        PoolSimulator.Result result = new PoolSimulator(policy, CLOUD, "M").run(jobs);

        assertThat(result.reused()).isEqualTo(2);
        assertThat(result.max()).isEqualTo(Duration.ofSeconds(2));
        // two hosts from 10:01:30 (a boot and a tick before the first job), two more to keep 2 idle once the jobs
        // took them; all four deleted a minute after their last use or the period's end, none kept for the hour
        assertThat(result.hostsCreated()).isEqualTo(4);
        assertThat(result.billedSeconds()).isBetween(4L * 100, 4L * 400);
    }

    @Test
    void hostsAreReusedWithinTheirScopeOnlyAndTheOldestFirst() {
        PoolPlanner planner = new PoolPlanner(warm(0, PoolPolicy.Scope.PROJECT));
        PoolPlanner.Host a = planner.place("M", "project:g/a", T0).orElseThrow().host();
        planner.ready(a, T0.plusSeconds(20));
        assertThat(planner.finished(a, T0.plusSeconds(60), true)).isTrue();

        var other = planner.place("M", "project:g/b", T0.plusSeconds(61)).orElseThrow();
        assertThat(other.kind()).as("another project never lands on a's host").isEqualTo(PoolPlanner.Kind.CREATED);
        var same = planner.place("M", "project:g/a", T0.plusSeconds(62)).orElseThrow();
        assertThat(same.kind()).isEqualTo(PoolPlanner.Kind.REUSED);
        assertThat(same.host()).isSameAs(a);
        assertThat(a.uses()).isEqualTo(2);

        // an unhealthy host is never kept
        assertThat(planner.finished(a, T0.plusSeconds(90), false)).isFalse();
        assertThat(planner.hosts()).doesNotContain(a);
    }

    @Test
    void maxUsesAndMaxInstancesHold() {
        PoolPolicy policy = new PoolPolicy("bounded", 2, 2, PoolPolicy.Scope.RUNNER, List.of(new PoolPolicy.Rule(
                List.of(), ZoneId.of("UTC"), Map.of("M", 1), Duration.ofMinutes(5), 0, 0)));
        List<ArrivalTrace.Job> jobs = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            jobs.add(job(i, "g/p" + i, 100));
        }
        PoolSimulator simulator = new PoolSimulator(policy, CLOUD, "M");

        PoolSimulator.Result result = simulator.run(jobs);

        assertThat(result.jobs()).isEqualTo(12);
        // two hosts at a time, each job 100 s: six rounds
        assertThat(result.max()).isGreaterThan(Duration.ofSeconds(500));
        // each host serves at most two jobs
        assertThat(result.hostsCreated()).isGreaterThanOrEqualTo(6);
    }

    @Test
    void policiesThatCannotHoldListEveryProblem() {
        PoolPolicy bad = new PoolPolicy("bad", 2, -1, PoolPolicy.Scope.PROJECT, List.of(new PoolPolicy.Rule(
                List.of(), ZoneId.of("UTC"), Map.of("M", 2, "HUGE", 1), Duration.ZERO, 0, 0)));

        assertThat(bad.problems(Set.of("S", "M", "XL"))).containsExactlyInAnyOrder(
                "max_uses must be 0 (no limit) or more, got -1",
                "policy 1: flavor HUGE is not offered (offered: " + String.join(", ", Set.of("S", "M", "XL")) + ")",
                "policy 1: idle_count 3 is above max_instances 2",
                "policy 1: idle_time must be positive when hosts are kept idle (idle_count 3)");
        assertThat(warm(2, PoolPolicy.Scope.GROUP).problems(Set.of("M"))).isEmpty();
        assertThat(PoolPolicy.Scope.GROUP.key("octobus/heptapod")).isEqualTo("group:octobus");
    }

    @Test
    void aGeneratedDayIsTheSameForTheSameSeedAndAWarmPoolWaitsLessThanAVmPerJob() {
        Map<String, Double> flavors = Map.of("M", 0.8, "XL", 0.2);
        List<ArrivalTrace.Job> day = ArrivalTrace.bursty(7, 24, 12, 10, flavors, Duration.ofMinutes(4));
        assertThat(ArrivalTrace.bursty(7, 24, 12, 10, flavors, Duration.ofMinutes(4))).isEqualTo(day);
        assertThat(day).hasSizeGreaterThan(200);

        PoolSimulator.Result perJob = new PoolSimulator(PoolPolicy.perJob(40), CLOUD, "M").run(day);
        PoolSimulator.Result pool = new PoolSimulator(new PoolPolicy("office", 40, 0, PoolPolicy.Scope.PROJECT,
                List.of(new PoolPolicy.Rule(List.of(CronPeriod.parse("* 8-18 * * mon-fri")), ZoneId.of("UTC"),
                        Map.of("M", 4, "XL", 1), Duration.ofMinutes(10), 0, 0))), CLOUD, "M").run(day);

        assertThat(perJob.jobs()).isEqualTo(day.size());
        assertThat(pool.jobs()).isEqualTo(day.size());
        assertThat(perJob.p50()).isEqualTo(Duration.ofSeconds(20));
        assertThat(pool.p50()).isLessThan(perJob.p50());
        assertThat(pool.billedSeconds()).as("warmth costs").isGreaterThan(perJob.billedSeconds());
    }
}
