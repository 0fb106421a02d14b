package org.cleverrunner.cli.metrics;

import static org.cleverrunner.cli.metrics.TextFormat.escape;
import static org.cleverrunner.cli.metrics.TextFormat.family;
import static org.cleverrunner.cli.metrics.TextFormat.number;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.cleverrunner.coordinator.RequestObserver;
import org.cleverrunner.coordinator.RunnerInfo;
import org.cleverrunner.core.EngineListener;
import org.cleverrunner.core.RunnerSettings;
import org.cleverrunner.spi.JobOutcome;

/**
 * The {@code gitlab_runner_*} metric families a GitLab Runner dashboard reads, with gitlab-runner's names, types and
 * labels (gitlab-runner 19.4's commands/multi.go, commands/builds_helper.go, helpers/prometheus, common/version.go):
 * {@code gitlab_runner_version_info}, {@code gitlab_runner_concurrent}, {@code gitlab_runner_limit},
 * {@code gitlab_runner_jobs} (running), {@code gitlab_runner_jobs_total}, {@code gitlab_runner_failed_jobs_total},
 * {@code gitlab_runner_job_duration_seconds}, {@code gitlab_runner_errors_total}, and from the coordinator client's
 * {@link RequestObserver} (network/api_requests_collector.go) {@code gitlab_runner_api_request_statuses_total} and
 * {@code gitlab_runner_request_concurrency}; {@code runner} is the short token, as gitlab-runner labels it.
 *
 * <p>{@code gitlab_runner_request_concurrency_exceeded_total} is not written: gitlab-runner counts the job requests
 * it could not make because {@code request_concurrency} was reached, and this runner's engine never tries one
 * beyond it (it asks only when a slot is free).
 *
 * <p>Written in the text exposition format here rather than through Micrometer: the Prometheus client that
 * Micrometer uses cannot hold a gauge {@code gitlab_runner_jobs} beside a counter {@code gitlab_runner_jobs_total}
 * (both are "gitlab_runner_jobs" to it), and dashboards read both.
 */
public final class GitLabRunnerMetrics implements EngineListener, RequestObserver {

    /** gitlab-runner's job duration buckets, in seconds. */
    static final double[] DURATION_BUCKETS = {30, 60, 300, 600, 1800, 3600, 7200, 10800, 18000, 36000};

    private final String version;
    private final String systemId;
    private volatile int concurrent;
    private final Map<String, Runner> runners = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();

    private final String revision;
    /** In-flight job requests by short token. */
    private final Map<String, AtomicLong> requesting = new ConcurrentHashMap<>();
    /** API answers by label set (endpoint, method, runner, status). */
    private final Map<StatusKey, LongAdder> statuses = new ConcurrentHashMap<>();
    /** The runner (short token) of each recent job, for its update_job and patch_trace calls (job tokens only). */
    private final Map<Long, String> jobRunners = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(64, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Long, String> eldest) {
                    return size() > MAX_JOBS_REMEMBERED;
                }
            });

    /** Jobs whose runner is remembered: far more than run at once. */
    static final int MAX_JOBS_REMEMBERED = 10_000;

    /** The labels of one gitlab_runner_api_request_statuses_total series (system_id is this process's). */
    private record StatusKey(String endpoint, String method, String runner, int status)
            implements Comparable<StatusKey> {
        @Override
        public int compareTo(StatusKey other) {
            return java.util.Comparator.comparing(StatusKey::runner).thenComparing(StatusKey::endpoint)
                    .thenComparing(StatusKey::method).thenComparingInt(StatusKey::status).compare(this, other);
        }
    }

    /** One runner's series. */
    private static final class Runner {
        final String shortToken;
        final String name;
        volatile int limit;
        final AtomicLong running = new AtomicLong();
        final LongAdder total = new LongAdder();
        final Map<String, LongAdder> failed = new ConcurrentHashMap<>();
        final long[] buckets = new long[DURATION_BUCKETS.length];
        long count;
        double sum;

        Runner(String shortToken, String name, int limit) {
            this.shortToken = shortToken;
            this.name = name;
            this.limit = limit;
        }
    }

    /** With the revision the SDK was built from. */
    public GitLabRunnerMetrics(String version, String systemId, int concurrent) {
        this(version, RunnerInfo.defaults().revision(), systemId, concurrent);
    }

    public GitLabRunnerMetrics(String version, String revision, String systemId, int concurrent) {
        this.version = Objects.requireNonNull(version, "version");
        this.revision = Objects.requireNonNull(revision, "revision");
        this.systemId = systemId == null ? "" : systemId;
        this.concurrent = concurrent;
    }

    /** Shows the runner's series at 0 before its first job. */
    public GitLabRunnerMetrics register(RunnerSettings runner) {
        // registered again by a reload: the runner's counts go on, its limit is the new one
        Runner series = runners.compute(runner.name(), (name, old) -> old != null
                && old.shortToken.equals(runner.shortToken()) ? old
                : new Runner(runner.shortToken(), runner.name(), runner.limit()));
        series.limit = runner.limit();
        return this;
    }

    /** A reload changed {@code concurrent}. */
    public void concurrent(int value) {
        concurrent = value;
    }

    /** A log event of this level ({@code warning} or {@code error}, logrus's names): gitlab_runner_errors_total. */
    public void logged(String level) {
        errors.computeIfAbsent(level, l -> new LongAdder()).increment();
    }

    @Override
    public void jobAcquired(String runner, long jobId) {
        Runner series = runners.get(runner);
        if (series != null) {
            series.running.incrementAndGet();
            jobRunners.put(jobId, series.shortToken);
        }
    }

    @Override
    public void started(Call call) {
        if (call.endpoint() == Endpoint.REQUEST_JOB && call.runner() != null) {
            requesting.computeIfAbsent(call.runner(), r -> new AtomicLong()).incrementAndGet();
        }
    }

    @Override
    public void finished(Call call, int status) {
        if (call.endpoint() == Endpoint.REQUEST_JOB && call.runner() != null) {
            requesting.computeIfAbsent(call.runner(), r -> new AtomicLong()).updateAndGet(n -> Math.max(0, n - 1));
            if (call.jobId() > 0) {
                jobRunners.put(call.jobId(), call.runner());
            }
        }
        if (status <= 0) {
            return; // as gitlab-runner: a call without an answer has no status to count
        }
        String runner = call.runner() != null ? call.runner() : runnerOfJob(call.jobId());
        statuses.computeIfAbsent(new StatusKey(call.endpoint().label(), call.method(), runner, status),
                k -> new LongAdder()).increment();
    }

    /** The job's runner; a job of a previous run (its final state sent again after a restart) may be unknown. */
    private String runnerOfJob(long jobId) {
        String known = jobId > 0 ? jobRunners.get(jobId) : null;
        if (known != null) {
            return known;
        }
        return runners.size() == 1 ? runners.values().iterator().next().shortToken : "";
    }

    @Override
    public void jobFinished(String runner, long jobId, JobOutcome outcome, Duration duration) {
        Runner series = runners.get(runner);
        if (series == null) {
            return;
        }
        series.running.updateAndGet(n -> Math.max(0, n - 1));
        series.total.increment();
        if (outcome != null && outcome.status() == JobOutcome.Status.FAILED && outcome.failure() != null) {
            series.failed.computeIfAbsent(outcome.failure().name().toLowerCase(Locale.ROOT), r -> new LongAdder())
                    .increment();
        }
        if (duration != null) {
            double seconds = duration.toMillis() / 1000.0;
            synchronized (series) {
                for (int i = 0; i < DURATION_BUCKETS.length; i++) {
                    if (seconds <= DURATION_BUCKETS[i]) {
                        series.buckets[i]++;
                    }
                }
                series.count++;
                series.sum += seconds;
            }
        }
    }

    /** The families in Prometheus' text format (version 0.0.4). */
    public String scrape() {
        StringBuilder out = new StringBuilder(2048);
        family(out, "gitlab_runner_version_info", "gauge",
                "A metric with a constant '1' value labeled by different build stats fields.");
        out.append("gitlab_runner_version_info{architecture=\"").append(escape(System.getProperty("os.arch")))
                .append("\",built_at=\"\",go_version=\"").append(escape("java" + System.getProperty("java.version")))
                .append("\",name=\"clever-runner\",os=\"").append(escape(System.getProperty("os.name")
                        .toLowerCase(Locale.ROOT))).append("\",revision=\"").append(escape(revision))
                .append("\",version=\"").append(escape(version)).append("\"} 1\n");
        family(out, "gitlab_runner_concurrent", "gauge", "The current value of concurrent setting");
        out.append("gitlab_runner_concurrent ").append(concurrent).append('\n');
        Map<String, Runner> sorted = new TreeMap<>(runners);
        family(out, "gitlab_runner_limit", "gauge", "The current value of concurrent setting");
        sorted.values().forEach(r -> out.append("gitlab_runner_limit").append(labels(r)).append(' ').append(r.limit)
                .append('\n'));
        family(out, "gitlab_runner_jobs", "gauge", "The current number of running builds.");
        sorted.values().forEach(r -> out.append("gitlab_runner_jobs{executor_stage=\"\",runner=\"")
                .append(escape(r.shortToken)).append("\",runner_name=\"").append(escape(r.name))
                .append("\",stage=\"\",state=\"running\",system_id=\"").append(escape(systemId)).append("\"} ")
                .append(r.running.get()).append('\n'));
        family(out, "gitlab_runner_jobs_total", "counter", "Total number of handled jobs");
        sorted.values().forEach(r -> out.append("gitlab_runner_jobs_total").append(labels(r)).append(' ')
                .append(r.total.sum()).append('\n'));
        family(out, "gitlab_runner_failed_jobs_total", "counter", "Total number of failed jobs");
        sorted.values().forEach(r -> new TreeMap<>(r.failed).forEach((reason, n) -> out
                .append("gitlab_runner_failed_jobs_total{failure_reason=\"").append(escape(reason))
                .append("\",mode=\"\",runner=\"").append(escape(r.shortToken)).append("\",runner_name=\"")
                .append(escape(r.name)).append("\"} ").append(n.sum()).append('\n')));
        family(out, "gitlab_runner_job_duration_seconds", "histogram", "Histogram of job durations");
        sorted.values().forEach(r -> {
            synchronized (r) {
                String common = "mode=\"\",runner=\"" + escape(r.shortToken) + "\",runner_name=\"" + escape(r.name)
                        + "\",system_id=\"" + escape(systemId) + "\"";
                for (int i = 0; i < DURATION_BUCKETS.length; i++) {
                    out.append("gitlab_runner_job_duration_seconds_bucket{le=\"").append(number(DURATION_BUCKETS[i]))
                            .append("\",").append(common).append("} ").append(r.buckets[i]).append('\n');
                }
                out.append("gitlab_runner_job_duration_seconds_bucket{le=\"+Inf\",").append(common).append("} ")
                        .append(r.count).append('\n');
                out.append("gitlab_runner_job_duration_seconds_sum{").append(common).append("} ").append(r.sum)
                        .append('\n');
                out.append("gitlab_runner_job_duration_seconds_count{").append(common).append("} ").append(r.count)
                        .append('\n');
            }
        });
        family(out, "gitlab_runner_api_request_statuses_total", "counter", "The total number of API requests made by"
                + " GitLab Runner, partitioned by runner, system_id, endpoint, status and method.");
        new TreeMap<>(statuses).forEach((key, n) -> out.append("gitlab_runner_api_request_statuses_total{endpoint=\"")
                .append(key.endpoint()).append("\",method=\"").append(key.method()).append("\",runner=\"")
                .append(escape(key.runner())).append("\",status=\"").append(key.status()).append("\",system_id=\"")
                .append(escape(systemId)).append("\"} ").append(n.sum()).append('\n'));
        family(out, "gitlab_runner_request_concurrency", "gauge",
                "The current number of concurrent requests for a new job");
        // every registered runner, at 0 before its first request
        Map<String, Long> inFlight = new TreeMap<>();
        sorted.values().forEach(r -> inFlight.put(r.shortToken, 0L));
        requesting.forEach((runner, n) -> inFlight.put(runner, n.get()));
        inFlight.forEach((runner, n) -> out.append("gitlab_runner_request_concurrency{runner=\"")
                .append(escape(runner)).append("\",system_id=\"").append(escape(systemId)).append("\"} ")
                .append(n).append('\n'));
        family(out, "gitlab_runner_errors_total", "counter", "The number of caught errors.");
        for (String level : new String[] {"warning", "error"}) {
            LongAdder n = errors.get(level);
            out.append("gitlab_runner_errors_total{level=\"").append(level).append("\"} ")
                    .append(n == null ? 0 : n.sum()).append('\n');
        }
        return out.toString();
    }

    private String labels(Runner r) {
        return "{runner=\"" + escape(r.shortToken) + "\",runner_name=\"" + escape(r.name) + "\",system_id=\""
                + escape(systemId) + "\"}";
    }
}
