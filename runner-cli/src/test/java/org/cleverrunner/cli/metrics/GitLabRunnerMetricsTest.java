package org.cleverrunner.cli.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.cleverrunner.coordinator.RequestObserver;
import org.cleverrunner.core.RunnerSettings;
import org.cleverrunner.spi.JobOutcome;
import org.junit.jupiter.api.Test;

/** gitlab-runner's families, with its names, types and labels, as a GitLab Runner dashboard queries them. */
class GitLabRunnerMetricsTest {

    @Test
    void jobsLimitsFailuresDurationsAndErrorsReadAsGitLabRunnersFamilies() {
        RunnerSettings runner = RunnerSettings.of("docker-1", "https://gitlab.example.com", "glrt-AbCdEf123456789")
                .withLimit(4);
        GitLabRunnerMetrics metrics = new GitLabRunnerMetrics("1.2.3", "abcdef12", "s_0123456789ab", 8)
                .register(runner);

        metrics.jobAcquired("docker-1", 1);
        metrics.jobAcquired("docker-1", 2);
        metrics.jobAcquired("docker-1", 3);
        metrics.jobFinished("docker-1", 1, JobOutcome.success(), Duration.ofSeconds(45));
        metrics.jobFinished("docker-1", 2, JobOutcome.failed(JobOutcome.FailureKind.SCRIPT_FAILURE, 1, "exit 1"),
                Duration.ofSeconds(400));
        metrics.logged("warning");
        metrics.logged("error");
        metrics.logged("warning");

        String labels = "runner=\"AbCdEf123\",runner_name=\"docker-1\",system_id=\"s_0123456789ab\"";
        assertThat(metrics.scrape())
                .contains("# TYPE gitlab_runner_concurrent gauge\ngitlab_runner_concurrent 8\n")
                .contains("gitlab_runner_limit{" + labels + "} 4\n")
                .contains("# TYPE gitlab_runner_jobs gauge\ngitlab_runner_jobs{executor_stage=\"\","
                        + "runner=\"AbCdEf123\",runner_name=\"docker-1\",stage=\"\",state=\"running\","
                        + "system_id=\"s_0123456789ab\"} 1\n")
                .contains("# TYPE gitlab_runner_jobs_total counter\ngitlab_runner_jobs_total{" + labels + "} 2\n")
                .contains("gitlab_runner_failed_jobs_total{failure_reason=\"script_failure\",mode=\"\","
                        + "runner=\"AbCdEf123\",runner_name=\"docker-1\"} 1\n")
                .contains("gitlab_runner_job_duration_seconds_bucket{le=\"30\",mode=\"\"," + labels + "} 0\n")
                .contains("gitlab_runner_job_duration_seconds_bucket{le=\"60\",mode=\"\"," + labels + "} 1\n")
                .contains("gitlab_runner_job_duration_seconds_bucket{le=\"600\",mode=\"\"," + labels + "} 2\n")
                .contains("gitlab_runner_job_duration_seconds_bucket{le=\"+Inf\",mode=\"\"," + labels + "} 2\n")
                .contains("gitlab_runner_job_duration_seconds_sum{mode=\"\"," + labels + "} 445.0\n")
                .contains("gitlab_runner_errors_total{level=\"warning\"} 2\n")
                .contains("gitlab_runner_errors_total{level=\"error\"} 1\n")
                .containsPattern("gitlab_runner_version_info\\{architecture=\"[^\"]+\",built_at=\"\",go_version="
                        + "\"java[^\"]+\",name=\"clever-runner\",os=\"[^\"]+\",revision=\"abcdef12\",version=\"1.2.3\"} 1\n")
                .doesNotContain("Ef1234567");
    }

    @Test
    void apiRequestStatusesAndRequestConcurrencyReadAsGitLabRunnersFamilies() {
        RunnerSettings first = RunnerSettings.of("docker-1", "https://gitlab.example.com", "glrt-AbCdEf123456789");
        RunnerSettings second = RunnerSettings.of("docker-2", "https://gitlab.example.com", "glrt-ZyXwVu987654321");
        GitLabRunnerMetrics metrics = new GitLabRunnerMetrics("1.2.3", "abcdef12", "s_0123456789ab", 8)
                .register(first).register(second);
        RequestObserver.Call request = new RequestObserver.Call(RequestObserver.Endpoint.REQUEST_JOB, "POST",
                "AbCdEf123", "s_0123456789ab", 0);

        metrics.started(request);
        metrics.started(request);
        assertThat(metrics.scrape()).contains("# TYPE gitlab_runner_request_concurrency gauge\n"
                + "gitlab_runner_request_concurrency{runner=\"AbCdEf123\",system_id=\"s_0123456789ab\"} 2\n"
                + "gitlab_runner_request_concurrency{runner=\"ZyXwVu987\",system_id=\"s_0123456789ab\"} 0\n");
        metrics.finished(request, 204);
        // the second request received job 77: its updates, made with the job's token, count for its runner
        metrics.finished(new RequestObserver.Call(RequestObserver.Endpoint.REQUEST_JOB, "POST", "AbCdEf123",
                "s_0123456789ab", 77), 201);
        RequestObserver.Call update = new RequestObserver.Call(RequestObserver.Endpoint.UPDATE_JOB, "PUT", null, null,
                77);
        metrics.started(update);
        metrics.finished(update, 200);
        metrics.finished(update, 200);
        metrics.finished(new RequestObserver.Call(RequestObserver.Endpoint.PATCH_TRACE, "PATCH", null, null, 77), 202);
        // no answer: nothing to count, as gitlab-runner
        metrics.finished(update, 0);

        String labels = "runner=\"AbCdEf123\",status=\"%d\",system_id=\"s_0123456789ab\"}";
        assertThat(metrics.scrape())
                .contains("# TYPE gitlab_runner_api_request_statuses_total counter\n")
                .contains("gitlab_runner_api_request_statuses_total{endpoint=\"request_job\",method=\"post\","
                        + labels.formatted(204) + " 1\n")
                .contains("gitlab_runner_api_request_statuses_total{endpoint=\"request_job\",method=\"post\","
                        + labels.formatted(201) + " 1\n")
                .contains("gitlab_runner_api_request_statuses_total{endpoint=\"update_job\",method=\"put\","
                        + labels.formatted(200) + " 2\n")
                .contains("gitlab_runner_api_request_statuses_total{endpoint=\"patch_trace\",method=\"patch\","
                        + labels.formatted(202) + " 1\n")
                .doesNotContain("status=\"0\"")
                .contains("gitlab_runner_request_concurrency{runner=\"AbCdEf123\",system_id=\"s_0123456789ab\"} 0\n");
    }

    @Test
    void labelValuesAreEscapedAsTheTextFormatWants() {
        assertThat(TextFormat.escape("a\"b\\c\nd")).isEqualTo("a\\\"b\\\\c\\nd");
    }
}
