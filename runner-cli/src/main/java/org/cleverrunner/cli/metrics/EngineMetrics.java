package org.cleverrunner.cli.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.cleverrunner.core.EngineListener;
import org.cleverrunner.spi.JobOutcome;

/**
 * The engine's events as Micrometer meters. With the Prometheus registry they read:
 *
 * <ul>
 *   <li>{@code clever_runner_jobs_total{runner,state,failure_reason}}: finished jobs; state is {@code success},
 *       {@code failed} or {@code canceled}, failure_reason the coordinator's reason ({@code script_failure}…) or
 *       {@code none}</li>
 *   <li>{@code clever_runner_jobs_running{runner}}: jobs taken and not yet finished</li>
 *   <li>{@code clever_runner_job_duration_seconds{runner,state}}: job durations, with buckets</li>
 *   <li>{@code clever_runner_provisioning_duration_seconds{provisioner}}: time to get a host, with buckets</li>
 *   <li>{@code clever_runner_hosts{provisioner,state}}: hosts held; state is {@code acquired}</li>
 *   <li>{@code clever_runner_coordinator_errors_total{runner,call}}: failed coordinator calls</li>
 * </ul>
 *
 * Thread-safe; like every {@link EngineListener} it never throws.
 */
public final class EngineMetrics implements EngineListener {

    public static final String JOBS = "clever.runner.jobs";
    public static final String JOBS_RUNNING = "clever.runner.jobs.running";
    public static final String JOB_DURATION = "clever.runner.job.duration";
    public static final String PROVISIONING_DURATION = "clever.runner.provisioning.duration";
    public static final String HOSTS = "clever.runner.hosts";
    public static final String COORDINATOR_ERRORS = "clever.runner.coordinator.errors";
    public static final String BILLED_SECONDS = "clever.runner.billed.instance.seconds";
    public static final String POOL_IDLE_SECONDS = "clever.runner.pool.idle.instance.seconds";
    public static final String COORDINATOR_UP = "clever.runner.coordinator.up";
    public static final String COORDINATOR_OUTAGES = "clever.runner.coordinator.outages";
    public static final String COORDINATOR_DOWNTIME = "clever.runner.coordinator.downtime";

    // A few fixed buckets rather than a percentile histogram: CI jobs last from seconds to hours, and a few
    // dozen series per runner is all a dashboard needs.
    private static final Duration[] JOB_BUCKETS = seconds(10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 10800);
    private static final Duration[] PROVISIONING_BUCKETS = seconds(1, 5, 10, 30, 60, 120, 180, 300, 600);

    private final MeterRegistry registry;
    // Gauges sample these; kept here because registries hold gauge objects only weakly.
    private final Map<List<String>, AtomicInteger> running = new ConcurrentHashMap<>();
    private final Map<List<String>, AtomicInteger> hosts = new ConcurrentHashMap<>();
    private final Map<List<String>, AtomicInteger> up = new ConcurrentHashMap<>();

    public EngineMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /** Shows {@code clever_runner_jobs_running} and {@code clever_runner_hosts} at 0 before the first job. */
    public EngineMetrics register(String runner, String provisioner) {
        runningGauge(runner);
        hostsGauge(provisioner, "acquired");
        upGauge(runner);
        return this;
    }

    @Override
    public void jobAcquired(String runner, long jobId) {
        runningGauge(runner).incrementAndGet();
    }

    @Override
    public void hostAcquired(String runner, long jobId, String provisioner, Duration provisioning) {
        hostsGauge(provisioner, "acquired").incrementAndGet();
        if (provisioning != null && !provisioning.isNegative()) {
            Timer.builder(PROVISIONING_DURATION)
                    .description("Time to get a Docker host for a job")
                    .tag("provisioner", value(provisioner))
                    .serviceLevelObjectives(PROVISIONING_BUCKETS)
                    .register(registry)
                    .record(provisioning);
        }
    }

    @Override
    public void hostReleased(String runner, long jobId, String provisioner) {
        decrement(hostsGauge(provisioner, "acquired"));
    }

    @Override
    public void jobFinished(String runner, long jobId, JobOutcome outcome, Duration duration) {
        decrement(runningGauge(runner));
        String state = outcome == null ? "unknown" : lower(outcome.status());
        String reason = outcome == null || outcome.failure() == null ? "none" : lower(outcome.failure());
        Counter.builder(JOBS)
                .description("Jobs finished, by final state and failure reason")
                .tag("runner", value(runner))
                .tag("state", state)
                .tag("failure_reason", reason)
                .register(registry)
                .increment();
        if (duration != null && !duration.isNegative()) {
            Timer.builder(JOB_DURATION)
                    .description("Duration of finished jobs, from being taken to the final update")
                    .tag("runner", value(runner))
                    .tag("state", state)
                    .serviceLevelObjectives(JOB_BUCKETS)
                    .register(registry)
                    .record(duration);
        }
    }

    @Override
    public void billed(String runner, String provisioner, String flavor, long billedSeconds) {
        instanceSeconds(BILLED_SECONDS, "Instance-seconds billed for job hosts and warm pool VMs, rounded up to 10 s"
                + " per host", provisioner, flavor, billedSeconds);
    }

    @Override
    public void poolIdle(String runner, String provisioner, String flavor, long idleSeconds) {
        instanceSeconds(POOL_IDLE_SECONDS, "Of the billed instance-seconds of deleted warm pool VMs, those no job"
                + " ran on them", provisioner, flavor, idleSeconds);
    }

    private void instanceSeconds(String name, String description, String provisioner, String flavor, long seconds) {
        Counter.builder(name).description(description)
                .tag("provisioner", value(provisioner))
                .tag("flavor", value(flavor))
                .register(registry)
                .increment(Math.max(0, seconds));
    }

    @Override
    public void coordinatorError(String runner, String call) {
        Counter.builder(COORDINATOR_ERRORS)
                .description("Coordinator calls that failed (transport error or unexpected answer)")
                .tag("runner", value(runner))
                .tag("call", value(call))
                .register(registry)
                .increment();
    }

    @Override
    public void coordinatorUnavailable(String runner, String url) {
        upGauge(runner).set(0);
        Counter.builder(COORDINATOR_OUTAGES)
                .description("Times a coordinator stopped answering the job requests")
                .tag("runner", value(runner))
                .register(registry)
                .increment();
    }

    @Override
    public void coordinatorAvailable(String runner, String url, Duration downtime) {
        upGauge(runner).set(1);
        Counter.builder(COORDINATOR_DOWNTIME)
                .description("Seconds the coordinator did not answer, counted when it is back")
                .baseUnit("seconds")
                .tag("runner", value(runner))
                .register(registry)
                .increment(downtime == null || downtime.isNegative() ? 0 : downtime.toMillis() / 1000.0);
    }

    /** 1 while the runner's coordinator answers its job requests, 0 during an outage. */
    private AtomicInteger upGauge(String runner) {
        return up.computeIfAbsent(List.of(value(runner)), key -> {
            AtomicInteger value = new AtomicInteger(1);
            Gauge.builder(COORDINATOR_UP, value, AtomicInteger::get)
                    .description("Whether the runner's coordinator answers its job requests (1) or not (0)")
                    .tag("runner", key.get(0))
                    .register(registry);
            return value;
        });
    }

    private AtomicInteger runningGauge(String runner) {
        return running.computeIfAbsent(List.of(value(runner)), key -> {
            AtomicInteger count = new AtomicInteger();
            Gauge.builder(JOBS_RUNNING, count, AtomicInteger::get)
                    .description("Jobs taken from the coordinator and not finished yet")
                    .tag("runner", key.get(0))
                    .register(registry);
            return count;
        });
    }

    private AtomicInteger hostsGauge(String provisioner, String state) {
        return hosts.computeIfAbsent(List.of(value(provisioner), state), key -> {
            AtomicInteger count = new AtomicInteger();
            Gauge.builder(HOSTS, count, AtomicInteger::get)
                    .description("Docker hosts held by the runner")
                    .tag("provisioner", key.get(0))
                    .tag("state", key.get(1))
                    .register(registry);
            return count;
        });
    }

    /** Never below 0: an event missed at start-up must not leave a gauge negative forever. */
    private static void decrement(AtomicInteger count) {
        count.updateAndGet(value -> Math.max(0, value - 1));
    }

    private static String value(String tag) {
        return tag == null ? "unknown" : tag;
    }

    private static String lower(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }

    private static Duration[] seconds(long... values) {
        Duration[] durations = new Duration[values.length];
        for (int i = 0; i < values.length; i++) {
            durations[i] = Duration.ofSeconds(values[i]);
        }
        return durations;
    }
}
