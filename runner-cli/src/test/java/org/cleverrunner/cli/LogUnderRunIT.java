package org.cleverrunner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.cleverrunner.testkit.JobHandle;
import org.cleverrunner.testkit.JobState;
import org.cleverrunner.testkit.JobView;
import org.cleverrunner.testkit.Jobs;
import org.junit.jupiter.api.Test;

/**
 * Hostile output through {@code run} as a process, read back from the fake GitLab's stored trace: NUL bytes and a
 * megabyte line arrive exactly, invalid UTF-8 becomes U+FFFD as GitLab Runner writes it, and {@code output_limit} cuts
 * the trace with GitLab Runner's notice while the job goes on to its real end.
 */
class LogUnderRunIT extends LocalRunFixture {

    LogUnderRunIT() {
        super("logrun", 749_000);
    }

    @Override
    String runnerExtra() {
        return "output_limit = 2048\n"; // output_limit is in KiB, as GitLab Runner reads it
    }

    @Test
    void nulBytesAMegabyteLineAndInvalidUtf8ArriveAsGitLabRunnerWritesThem() throws Exception {
        JobHandle job = gitlab.enqueue(Jobs.job("hostile-output").image(IMAGE).variable("GIT_STRATEGY", "none")
                .script("printf 'a\\000b\\000c\\n'", "head -c 1048576 /dev/zero | tr '\\0' y; echo",
                        "printf '\\377\\376 bad utf8\\n'", "echo HOSTILE-DONE"));
        JobView view = gitlab.awaitJob(job.id(), Duration.ofSeconds(120));
        assertThat(view.state()).as(runnerLog()).isEqualTo(JobState.SUCCESS);

        byte[] trace = gitlab.trace(job.id());
        assertThat(indexOf(trace, "a\0b\0c\n".getBytes(StandardCharsets.ISO_8859_1))).as("NUL bytes kept")
                .isNotNegative();
        assertThat(indexOf(trace, ("\n" + "y".repeat(1_048_576) + "\n").getBytes(StandardCharsets.US_ASCII)))
                .as("the megabyte line whole, on a line of its own").isNotNegative();
        assertThat(indexOf(trace, "\uFFFD\uFFFD bad utf8\n".getBytes(StandardCharsets.UTF_8)))
                .as("invalid bytes replaced by U+FFFD").isNotNegative();
        assertThat(view.traceText()).contains("\nHOSTILE-DONE\n", "Job succeeded");
        assertThat(view.reportedChecksum()).isEqualTo(gitlab.traceChecksum(job.id()));
    }

    @Test
    void outputPastTheLimitIsCutWithGitLabRunnersNoticeAndTheJobRunsToItsEnd() throws Exception {
        // about 15 MB of output against a 2 MiB limit, then a failing exit the job must still report
        JobHandle job = gitlab.enqueue(Jobs.job("too-much-output").image(IMAGE).variable("GIT_STRATEGY", "none")
                .script("seq 1 2000000", "echo AFTER-THE-FLOOD", "exit 3"));
        JobView view = gitlab.awaitJob(job.id(), Duration.ofSeconds(180));
        assertThat(view.state()).as(runnerLog()).isEqualTo(JobState.FAILED);
        assertThat(view.exitCode()).isEqualTo(3);

        String text = view.traceText();
        assertThat(text).contains("Job's log exceeded limit of 2097152 bytes.",
                "Job execution will continue but no more output will be collected.");
        assertThat(text).doesNotContain("AFTER-THE-FLOOD");
        assertThat(gitlab.trace(job.id()).length).as("the trace stays near the limit")
                .isLessThan(2_097_152 + 4096);
        // what was kept is the job's output, in order, from its first line
        String firstLines = text.substring(text.indexOf("\n1\n") + 1, text.indexOf("\n1000\n") + 6);
        StringBuilder expected = new StringBuilder();
        for (int i = 1; i <= 1000; i++) {
            expected.append(i).append('\n');
        }
        assertThat(firstLines).isEqualTo(expected.toString());
        assertThat(view.reportedChecksum()).isEqualTo(gitlab.traceChecksum(job.id()));
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
