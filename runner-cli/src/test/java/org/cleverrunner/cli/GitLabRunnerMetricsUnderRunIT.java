package org.cleverrunner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cleverrunner.testkit.JobState;
import org.cleverrunner.testkit.JobView;
import org.cleverrunner.testkit.Jobs;
import org.junit.jupiter.api.Test;

/**
 * {@code run} as a process against the fake GitLab, scraped on {@code /metrics}: gitlab-runner's
 * {@code gitlab_runner_api_request_statuses_total} counts what the coordinator client saw (request_job 204 and
 * 201, update_job 200, patch_trace 202) with gitlab-runner's labels, and {@code gitlab_runner_request_concurrency}
 * shows the job requests in flight; the job log's header and CI_RUNNER_REVISION carry the build's git commit.
 */
class GitLabRunnerMetricsUnderRunIT extends LocalRunFixture {

    private final int metricsPort = freePort();

    GitLabRunnerMetricsUnderRunIT() {
        super("apimetrics", 758_000);
    }

    @Override
    String globalExtra() {
        return "[metrics]\nlisten = \"127.0.0.1:" + metricsPort + "\"\n";
    }

    @Test
    void requestStatusesAndConcurrencyAreGitLabRunnersAndTheRevisionIsTheBuilds() throws Exception {
        JobView view = gitlab.awaitJob(gitlab.enqueue(Jobs.job("counted").image(IMAGE)
                .variable("GIT_STRATEGY", "none").script("echo revision=$CI_RUNNER_REVISION")).id(),
                Duration.ofSeconds(120));
        String log = view.traceText();
        assertThat(view.state()).as(log + runnerLog()).isEqualTo(JobState.SUCCESS);

        String shortToken = token().substring(5, 14);
        String labels = "runner=\"" + shortToken + "\",status=\"%d\",system_id=\"[sr]_[0-9A-Za-z]{12}\"\\} (\\d+)\n";
        String metrics = scrape();
        assertThat(metrics).contains("# TYPE gitlab_runner_api_request_statuses_total counter\n")
                .containsPattern("\ngitlab_runner_api_request_statuses_total\\{endpoint=\"request_job\","
                        + "method=\"post\"," + labels.formatted(204))
                .containsPattern("\ngitlab_runner_api_request_statuses_total\\{endpoint=\"update_job\","
                        + "method=\"put\"," + labels.formatted(200))
                .containsPattern("\ngitlab_runner_api_request_statuses_total\\{endpoint=\"patch_trace\","
                        + "method=\"patch\"," + labels.formatted(202))
                .contains("# TYPE gitlab_runner_request_concurrency gauge\n")
                // request_concurrency = 1 (the default): at most one long poll in flight
                .containsPattern("\ngitlab_runner_request_concurrency\\{runner=\"" + shortToken
                        + "\",system_id=\"[sr]_[0-9A-Za-z]{12}\"} [01]\n")
                .doesNotContain(token());
        assertThat(count(metrics, "request_job", "post", 201)).isEqualTo(1);
        // one "running" update and one final state at least, each answered 200 by the fake
        assertThat(count(metrics, "update_job", "put", 200)).isGreaterThanOrEqualTo(2);

        // gitlab-runner's first line, "Running with gitlab-runner 17.5.0 (66269445)", with this build's commit
        Matcher header = Pattern.compile("Running with clever-runner (\\S+) \\(([0-9a-f]{8}|unknown)\\)").matcher(log);
        assertThat(header.find()).as(log).isTrue();
        String revision = header.group(2);
        assertThat(revision).isEqualTo(gitHead());
        assertThat(log).contains("\nrevision=" + revision + "\n");
        assertThat(metrics).contains(",revision=\"" + revision + "\",");
    }

    private static long count(String metrics, String endpoint, String method, int status) {
        Matcher m = Pattern.compile("\ngitlab_runner_api_request_statuses_total\\{endpoint=\"" + endpoint
                + "\",method=\"" + method + "\",runner=\"[^\"]*\",status=\"" + status + "\",system_id=\"[^\"]*\"} (\\d+)\n")
                .matcher(metrics);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    private String scrape() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    /** The commit the runner was built from, as the build records it ("unknown" without git). */
    private static String gitHead() throws Exception {
        try {
            Process git = new ProcessBuilder("git", "rev-parse", "--short=8", "HEAD").redirectErrorStream(true).start();
            String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return git.waitFor(30, TimeUnit.SECONDS) && git.exitValue() == 0 ? out : "unknown";
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
