package org.cleverrunner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.cleverrunner.testkit.Endpoint;
import org.cleverrunner.testkit.JobHandle;
import org.cleverrunner.testkit.JobState;
import org.cleverrunner.testkit.JobView;
import org.cleverrunner.testkit.RecordedRequest;
import org.cleverrunner.testkit.Jobs;
import org.junit.jupiter.api.Test;

/**
 * The final state reaches GitLab as the job had it, through the CLI's {@code run} as a process: a canceled job whose
 * final update GitLab answers 202 with {@code Job-Status: canceling} (trace still archiving) ends canceled, and a
 * success produced while GitLab does not answer is delivered once it answers again.
 */
class FinalStateIT extends LocalRunFixture {

    FinalStateIT() {
        super("final", 742_000);
    }

    @Test
    void aCanceledJobWhoseFinalUpdateIsAnswered202WithCancelingEndsCanceled() throws Exception {
        JobHandle job = gitlab.enqueue(Jobs.job("cancel-me").image(IMAGE).variable("GIT_STRATEGY", "none")
                .script("echo waiting to be canceled", "sleep 120").afterScript("echo after-script ran")
                .archiveFinalUpdates(3));
        awaitTrace(job, "waiting to be canceled");
        assertThat(gitlab.cancel(job.id())).isEqualTo(JobState.CANCELING);

        JobView view = gitlab.awaitJob(job.id(), Duration.ofSeconds(90));
        assertThat(view.state()).as(view.traceText() + "\n" + runnerLog()).isEqualTo(JobState.CANCELED);
        assertThat(view.traceText()).contains("after-script ran");
        // three 202s while canceling, then the one GitLab completed
        assertThat(gitlab.requests(Endpoint.JOB_UPDATE).size()).isGreaterThanOrEqualTo(4);
    }

    @Test
    void aSuccessProducedWhileGitLabDoesNotAnswerIsDeliveredWhenItAnswersAgain() throws Exception {
        JobHandle job = gitlab.enqueue(Jobs.job("outage").image(IMAGE).variable("GIT_STRATEGY", "none")
                .script("echo started", "sleep 6", "echo finished during the outage"));
        awaitTrace(job, "started");
        gitlab.faults().next(Endpoint.JOB_UPDATE, 6).dropConnection();
        gitlab.faults().next(Endpoint.TRACE_PATCH, 6).dropConnection();

        JobView view = gitlab.awaitJob(job.id(), Duration.ofSeconds(150));
        assertThat(view.state()).as(view.traceText() + "\n" + runnerLog()).isEqualTo(JobState.SUCCESS);
        assertThat(view.traceText()).contains("finished during the outage", "Job succeeded");
        // the outage was real: some updates were cut, and the final one got through after them
        assertThat(gitlab.requests(Endpoint.JOB_UPDATE)).anyMatch(r -> r.status() == RecordedRequest.DROPPED);
        assertThat(view.reportedChecksum()).isEqualTo(gitlab.traceChecksum(job.id()));
    }

    private void awaitTrace(JobHandle job, String text) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!gitlab.traceText(job.id()).contains(text)) {
            assertThat(System.nanoTime()).as("'%s' in the trace", text).isLessThan(until);
            Thread.sleep(100);
        }
    }
}
