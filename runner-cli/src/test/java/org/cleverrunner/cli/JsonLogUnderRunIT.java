package org.cleverrunner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.cleverrunner.testkit.JobState;
import org.cleverrunner.testkit.JobView;
import org.cleverrunner.testkit.Jobs;
import org.junit.jupiter.api.Test;

/**
 * {@code log_format = "json"} under {@code run} as a process: every line is a JSON object, and a job's lines carry
 * GitLab Runner's fields (runner, job, project; job-status, duration_s and failure_reason on its last line).
 */
class JsonLogUnderRunIT extends LocalRunFixture {

    JsonLogUnderRunIT() {
        super("jsonlog", 757_000);
    }

    @Override
    String globalExtra() {
        return "log_format = \"json\"\n";
    }

    @Test
    void aFailedJobsLinesCarryItsFieldsAndItsLastLineItsStateDurationAndReason() throws Exception {
        JobView view = gitlab.awaitJob(gitlab.enqueue(Jobs.job("json-logged").project(31, "octobus/json")
                .image(IMAGE).variable("GIT_STRATEGY", "none").script("echo failing", "exit 5")).id(),
                Duration.ofSeconds(120));
        assertThat(view.state()).isEqualTo(JobState.FAILED);

        ObjectMapper json = new ObjectMapper();
        List<JsonNode> jobLines = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            jobLines.clear();
            for (String line : runnerLog().lines().filter(l -> l.startsWith("{")).toList()) {
                JsonNode node = json.readTree(line);
                if (node.has("job") && node.get("job").asLong() == view.id()) {
                    jobLines.add(node);
                }
            }
            if (jobLines.stream().anyMatch(node -> node.has("job-status"))) {
                break;
            }
            Thread.sleep(100);
        }
        assertThat(runnerLog().lines().filter(l -> !l.isBlank())).as("every line is JSON")
                .allMatch(l -> l.startsWith("{") && l.endsWith("}"));
        assertThat(jobLines).as(runnerLog()).isNotEmpty()
                .allMatch(node -> node.get("runner").asText().equals(token().substring(5, 14)))
                .allMatch(node -> node.get("project").asLong() == 31);
        JsonNode last = jobLines.stream().filter(node -> node.has("job-status")).findFirst().orElseThrow();
        assertThat(last.get("job-status").asText()).isEqualTo("failed");
        assertThat(last.get("failure_reason").asText()).isEqualTo("script_failure");
        assertThat(last.get("duration_s").isNumber()).isTrue();
    }
}
