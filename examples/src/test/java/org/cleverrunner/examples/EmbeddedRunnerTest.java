package org.cleverrunner.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.cleverrunner.core.Engine;
import org.cleverrunner.testkit.FakeCoordinator;
import org.cleverrunner.testkit.JobHandle;
import org.cleverrunner.testkit.JobState;
import org.cleverrunner.testkit.Jobs;
import org.cleverrunner.testkit.RunnerHandle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded engine takes a job from a GitLab and lends it a host of the static pool. */
class EmbeddedRunnerTest {

    @Test
    void anUnreachablePoolHostFailsTheJobAndReleasesTheHost(@TempDir Path dir) {
        try (FakeCoordinator gitlab = FakeCoordinator.builder().start()) {
            RunnerHandle runner = gitlab.addRunner(Set.of(), true);
            JobHandle job = gitlab.enqueue(Jobs.job("embedded").script("echo hi"));
            Engine engine = EmbeddedRunner.engine(gitlab.url(), runner.token(), List.of("tcp://127.0.0.1:9"),
                    dir.resolve("journal.json")).start();
            try {
                var view = gitlab.awaitJob(job.id(), Duration.ofSeconds(60));
                assertThat(view.finalState()).isEqualTo(JobState.FAILED);
                assertThat(view.failureReason()).isEqualTo("runner_system_failure");
                assertThat(view.traceText()).contains("pool-0", "the Docker host failed");
                JobHandle next = gitlab.enqueue(Jobs.job("next").script("echo hi"));
                assertThat(gitlab.awaitJob(next.id(), Duration.ofSeconds(60)).finalState())
                        .as("the single pool host was given back for the next job").isEqualTo(JobState.FAILED);
            } finally {
                engine.shutdown();
            }
        }
    }
}
