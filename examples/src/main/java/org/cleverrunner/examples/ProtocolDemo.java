package org.cleverrunner.examples;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.cleverrunner.coordinator.CoordinatorClient;
import org.cleverrunner.coordinator.FailureReason;
import org.cleverrunner.coordinator.JobRequest;
import org.cleverrunner.coordinator.JobRequestResult;
import org.cleverrunner.coordinator.JobState;
import org.cleverrunner.coordinator.JobUpdate;
import org.cleverrunner.coordinator.JobUpdateResult;
import org.cleverrunner.coordinator.RegistrationRequest;
import org.cleverrunner.coordinator.RunnerCredentials;
import org.cleverrunner.coordinator.RunnerInfo;
import org.cleverrunner.coordinator.TraceBuffer;
import org.cleverrunner.coordinator.TraceUploader;
import org.cleverrunner.coordinator.payload.JobPayload;
import org.cleverrunner.coordinator.payload.JobStep;
import org.cleverrunner.coordinator.payload.JobVariable;
import org.cleverrunner.testkit.FakeCoordinator;
import org.cleverrunner.testkit.JobHandle;
import org.cleverrunner.testkit.JobView;
import org.cleverrunner.testkit.Jobs;

/**
 * The protocol demo: an in-process fake GitLab over real HTTP on loopback, a runner registered on it, and sample
 * jobs taken with long polling, confirmed (two-phase commit), their scripts run by the local {@code sh}, their
 * logs patched incrementally and their final state reported with the log's checksum. It ends by checking that
 * GitLab's copy of each log is byte-identical to what the runner produced.
 */
public final class ProtocolDemo {

    /** A test coordinator on loopback: 202 repeated after 100 ms, an outage given up after 30 s. */
    private static final org.cleverrunner.coordinator.FinalUpdatePolicy FINAL_UPDATES =
            new org.cleverrunner.coordinator.FinalUpdatePolicy(Duration.ofSeconds(30), Duration.ofMillis(100),
                    Duration.ofMillis(100), Duration.ofSeconds(2), 5);

    private static final String REGISTRATION_TOKEN = "GR1348941demo-registration-token";

    private final boolean quiet;
    private final PrintStream out;

    /** A demo printing to {@code out}; {@code quiet} prints only the summary, not the jobs' logs. */
    public ProtocolDemo(PrintStream out, boolean quiet) {
        this.out = out;
        this.quiet = quiet;
    }

    /** Usage: {@code ProtocolDemo [--quiet]}; exits 0 when both jobs reached the expected state. */
    public static void main(String[] args) throws Exception {
        boolean quiet = false;
        for (String arg : args) {
            if (arg.isBlank()) {
                continue; // scripts/protocol-demo.sh without options: the Maven profile passes one empty argument
            } else if (arg.equals("--quiet")) {
                quiet = true;
            } else {
                System.err.println("usage: ProtocolDemo [--quiet]");
                System.exit(2);
            }
        }
        System.exit(new ProtocolDemo(System.out, quiet).run());
    }

    /** Runs the two sample jobs and returns the exit code: 0 when both ended as expected, 1 otherwise. */
    public int run() throws Exception {
        try (FakeCoordinator gitlab = FakeCoordinator.builder().longPollTimeout(Duration.ofSeconds(2))
                .traceUpdateInterval(Duration.ofSeconds(1)).start()) {
            gitlab.addRegistrationToken(REGISTRATION_TOKEN);
            CoordinatorClient client = CoordinatorClient.builder().url(gitlab.url())
                    .runnerInfo(RunnerInfo.defaults().withExecutor("shell", "sh")).build();
            RunnerCredentials runner = client.register(RegistrationRequest.of(REGISTRATION_TOKEN, "demo runner",
                    List.of("demo")));
            out.printf("Fake GitLab listening on %s; registered runner #%d (tags: demo)%n%n", gitlab.url(),
                    runner.id());

            List<JobHandle> queued = List.of(
                    gitlab.enqueue(Jobs.job("hello").tags("demo").variable("GREETING", "Hello")
                            .script("echo \"$GREETING from job $CI_JOB_ID ($CI_JOB_NAME) of $CI_PROJECT_PATH\"",
                                    "uname -s", "for i in 1 2 3; do echo \"step $i\"; done")),
                    gitlab.enqueue(Jobs.job("failing").tags("demo")
                            .script("echo 'about to fail'", "exit 3", "echo 'never printed'")));

            String lastUpdate = null;
            int taken = 0;
            while (taken < queued.size()) {
                JobRequestResult result = client.requestJob(new JobRequest(runner.token(), "r_demo0000000", lastUpdate));
                lastUpdate = result.lastUpdate().orElse(lastUpdate);
                if (result instanceof JobRequestResult.JobReceived received) {
                    taken++;
                    runJob(client, received.job());
                } else if (result instanceof JobRequestResult.Rejected rejected) {
                    out.println("The fake GitLab refused the runner: " + rejected.message());
                    return 1;
                }
            }
            return summarize(gitlab, queued);
        }
    }

    private void runJob(CoordinatorClient client, JobPayload job) throws IOException, InterruptedException {
        JobUpdateResult confirmed = client.updateJob(job.id(), job.token(), JobUpdate.running());
        if (confirmed.outcome() != JobUpdateResult.Outcome.ACCEPTED) {
            out.println("job " + job.id() + " was not confirmed: " + confirmed.outcome());
            return;
        }
        out.printf("=== job %d (%s) ===%n", job.id(), job.jobInfo().name());
        TraceBuffer trace = new TraceBuffer();
        TraceUploader uploader = new TraceUploader(client, job.id(), job.token(), trace);
        append(trace, "Running with clever-runner (protocol demo, local shell)\n");

        ProcessBuilder shell = new ProcessBuilder("sh", "-c", script(job)).redirectErrorStream(true);
        Map<String, String> environment = shell.environment();
        for (JobVariable variable : job.variables()) {
            environment.put(variable.key(), variable.value());
        }
        Process process = shell.start();
        byte[] buffer = new byte[8192];
        long lastFlush = System.nanoTime();
        try (InputStream output = process.getInputStream()) {
            for (int n; (n = output.read(buffer)) >= 0; ) {
                trace.append(buffer, 0, n);
                if (!quiet) {
                    out.write(buffer, 0, n);
                }
                if (System.nanoTime() - lastFlush > 300_000_000L) {
                    uploader.flush();
                    lastFlush = System.nanoTime();
                }
            }
        }
        int exitCode = process.waitFor();
        if (exitCode == 0) {
            append(trace, "\u001b[32;1mJob succeeded\u001b[0;m\n");
            uploader.complete(JobState.SUCCESS, null, null, FINAL_UPDATES);
        } else {
            append(trace, "\u001b[31;1mERROR: Job failed: exit code " + exitCode + "\u001b[0;m\n");
            uploader.complete(JobState.FAILED, FailureReason.SCRIPT_FAILURE.forCoordinator(
                    job.features().failureReasons()), exitCode, FINAL_UPDATES);
        }
        out.println();
    }

    private void append(TraceBuffer trace, String text) {
        trace.append(text);
        if (!quiet) {
            out.print(text);
        }
    }

    /** The script lines, each echoed like GitLab does before it runs, stopping at the first failure. */
    static String script(JobPayload job) {
        StringBuilder script = new StringBuilder("set -e\n");
        for (JobStep step : job.steps()) {
            if (!JobStep.SCRIPT.equals(step.name())) {
                continue;
            }
            for (String line : step.script()) {
                script.append("printf '\\033[32;1m$ %s\\033[0;m\\n' ").append(quote(line)).append('\n');
                script.append(line).append('\n');
            }
        }
        return script.toString();
    }

    static String quote(String text) {
        return "'" + text.replace("'", "'\\''") + "'";
    }

    private int summarize(FakeCoordinator gitlab, List<JobHandle> queued) {
        out.println("=== summary (as the fake GitLab recorded it) ===");
        List<String> problems = new ArrayList<>();
        for (JobHandle handle : queued) {
            JobView job = gitlab.awaitJob(handle.id(), Duration.ofSeconds(30));
            boolean identical = job.reportedChecksum() != null && job.reportedChecksum().equals(job.traceChecksum())
                    && Long.valueOf(job.trace().length).equals(job.reportedBytesize());
            out.printf("job %d %-8s %-8s reason=%-15s exit=%-4s log=%d bytes, checksum %s %s%n", job.id(), job.name(),
                    job.finalState().wireName(), job.failureReason() == null ? "-" : job.failureReason(),
                    job.exitCode() == null ? "-" : job.exitCode(), job.trace().length, job.traceChecksum(),
                    identical ? "(matches the runner's)" : "(MISMATCH)");
            if (!identical) {
                problems.add("log of job " + job.id() + " differs from what the runner sent");
            }
        }
        JobView hello = gitlab.job(queued.get(0).id());
        JobView failing = gitlab.job(queued.get(1).id());
        if (hello.finalState() != org.cleverrunner.testkit.JobState.SUCCESS) {
            problems.add("job 'hello' should have succeeded");
        }
        if (failing.finalState() != org.cleverrunner.testkit.JobState.FAILED
                || !"script_failure".equals(failing.failureReason())
                || failing.exitCode() == null || failing.exitCode() != 3) {
            problems.add("job 'failing' should have failed with script_failure and exit code 3");
        }
        if (problems.isEmpty()) {
            out.println("Demo OK: both jobs reached the expected state with byte-identical logs.");
            return 0;
        }
        problems.forEach(problem -> out.println("PROBLEM: " + problem));
        return 1;
    }
}
