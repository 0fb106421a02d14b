package org.cleverrunner.cli.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import org.cleverrunner.spi.JobOutcome;
import org.cleverrunner.spi.JobOutcome.FailureKind;
import org.junit.jupiter.api.Test;

class EngineMetricsTest {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final EngineMetrics metrics = new EngineMetrics(registry);

    @Test
    void finishedJobsAreCountedByStateAndFailureReason() {
        metrics.jobFinished("gitlab", 1, JobOutcome.success(), Duration.ofSeconds(40));
        metrics.jobFinished("gitlab", 2, JobOutcome.success(), Duration.ofSeconds(50));
        metrics.jobFinished("gitlab", 3, JobOutcome.failed(FailureKind.SCRIPT_FAILURE, 1, "exit 1"),
                Duration.ofMinutes(3));
        metrics.jobFinished("gitlab", 4, JobOutcome.canceled("canceled"), Duration.ofSeconds(5));

        String scrape = registry.scrape();

        assertThat(scrape)
                .contains("clever_runner_jobs_total{failure_reason=\"none\",runner=\"gitlab\",state=\"success\"} 2.0")
                .contains("clever_runner_jobs_total{failure_reason=\"script_failure\",runner=\"gitlab\",state=\"failed\"} 1.0")
                .contains("clever_runner_jobs_total{failure_reason=\"job_canceled\",runner=\"gitlab\",state=\"canceled\"} 1.0")
                .contains("clever_runner_job_duration_seconds_count{runner=\"gitlab\",state=\"success\"} 2")
                .contains("clever_runner_job_duration_seconds_sum{runner=\"gitlab\",state=\"success\"} 90.0")
                .contains("clever_runner_job_duration_seconds_bucket{runner=\"gitlab\",state=\"success\",le=\"60.0\"} 2")
                .contains("clever_runner_job_duration_seconds_bucket{runner=\"gitlab\",state=\"failed\",le=\"120.0\"} 0")
                .contains("clever_runner_job_duration_seconds_bucket{runner=\"gitlab\",state=\"failed\",le=\"300.0\"} 1");
    }

    @Test
    void runningJobsAndHostsFollowTheLifecycle() {
        metrics.jobAcquired("gitlab", 1);
        metrics.jobAcquired("gitlab", 2);
        metrics.hostAcquired("gitlab", 1, "clever-cloud", Duration.ofSeconds(42));
        metrics.hostAcquired("gitlab", 2, "clever-cloud", Duration.ofSeconds(8));

        assertThat(registry.scrape())
                .contains("clever_runner_jobs_running{runner=\"gitlab\"} 2")
                .contains("clever_runner_hosts{provisioner=\"clever-cloud\",state=\"acquired\"} 2")
                .contains("clever_runner_provisioning_duration_seconds_count{provisioner=\"clever-cloud\"} 2")
                .contains("clever_runner_provisioning_duration_seconds_sum{provisioner=\"clever-cloud\"} 50.0")
                .contains("clever_runner_provisioning_duration_seconds_bucket{provisioner=\"clever-cloud\",le=\"10.0\"} 1");

        metrics.hostReleased("gitlab", 1, "clever-cloud");
        metrics.jobFinished("gitlab", 1, JobOutcome.success(), Duration.ofMinutes(1));

        assertThat(registry.scrape())
                .contains("clever_runner_jobs_running{runner=\"gitlab\"} 1")
                .contains("clever_runner_hosts{provisioner=\"clever-cloud\",state=\"acquired\"} 1");
    }

    @Test
    void coordinatorErrorsAreCountedByCall() {
        metrics.coordinatorError("gitlab", "request_job");
        metrics.coordinatorError("gitlab", "request_job");
        metrics.coordinatorError("heptapod", "patch_trace");

        assertThat(registry.scrape())
                .contains("clever_runner_coordinator_errors_total{call=\"request_job\",runner=\"gitlab\"} 2.0")
                .contains("clever_runner_coordinator_errors_total{call=\"patch_trace\",runner=\"heptapod\"} 1.0");
    }

    @Test
    void outagesAreCountedAndTheUpGaugeFollowsThem() {
        metrics.register("gitlab", "local-docker");
        assertThat(registry.scrape()).contains("clever_runner_coordinator_up{runner=\"gitlab\"} 1");
        metrics.coordinatorUnavailable("gitlab", "https://gitlab.example.com");
        assertThat(registry.scrape()).contains("clever_runner_coordinator_up{runner=\"gitlab\"} 0")
                .contains("clever_runner_coordinator_outages_total{runner=\"gitlab\"} 1.0");
        metrics.coordinatorAvailable("gitlab", "https://gitlab.example.com", Duration.ofSeconds(90));
        assertThat(registry.scrape()).contains("clever_runner_coordinator_up{runner=\"gitlab\"} 1")
                .contains("clever_runner_coordinator_downtime_seconds_total{runner=\"gitlab\"} 90.0");
    }

    @Test
    void registeredSeriesShowZeroBeforeTheFirstJob() {
        metrics.register("gitlab", "local-docker");

        assertThat(registry.scrape())
                .contains("clever_runner_jobs_running{runner=\"gitlab\"} 0")
                .contains("clever_runner_hosts{provisioner=\"local-docker\",state=\"acquired\"} 0");
    }

    @Test
    void oddEventsNeitherThrowNorMakeGaugesNegative() {
        assertThatCode(() -> {
            metrics.hostReleased("gitlab", 9, "local-docker");
            metrics.jobFinished("gitlab", 9, null, null);
            metrics.jobFinished(null, 10, JobOutcome.success(), Duration.ofSeconds(-1));
            metrics.coordinatorError(null, null);
        }).doesNotThrowAnyException();

        assertThat(registry.scrape())
                .contains("clever_runner_jobs_running{runner=\"gitlab\"} 0")
                .contains("clever_runner_hosts{provisioner=\"local-docker\",state=\"acquired\"} 0")
                .contains("clever_runner_jobs_total{failure_reason=\"none\",runner=\"unknown\",state=\"success\"} 1.0");
    }

    @org.junit.jupiter.api.Test
    void billedInstanceSecondsAreCountedByFlavor() {
        metrics.billed("r1", "clever-cloud", "XL", 90);
        metrics.billed("r1", "clever-cloud", "XL", 20);
        metrics.billed("r1", "clever-cloud", "S", 10);
        metrics.poolIdle("r1", "clever-cloud", "XL", 70);

        org.assertj.core.api.Assertions.assertThat(registry.scrape())
                .contains("clever_runner_billed_instance_seconds_total{flavor=\"XL\",provisioner=\"clever-cloud\"} 110.0")
                .contains("clever_runner_billed_instance_seconds_total{flavor=\"S\",provisioner=\"clever-cloud\"} 10.0")
                .contains("clever_runner_pool_idle_instance_seconds_total{flavor=\"XL\",provisioner=\"clever-cloud\"} 70.0");
    }
}
