package org.cleverrunner.docker;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.cleverrunner.spi.Host;
import org.cleverrunner.spi.JobContext;
import org.cleverrunner.spi.JobControl;
import org.cleverrunner.spi.JobOutcome;
import org.cleverrunner.spi.JobPlan;

/**
 * Whole-process harness (not a unit test): the wall time of a trivial job ({@code echo hello}, image present, no
 * services) through the executor, side by side with a bare {@code docker run --rm IMAGE sh -c 'echo hello'} on the
 * same engine, alternating so both see the same conditions. Run it with {@code scripts/bench-executor.sh}.
 */
public final class TrivialJobBenchmark {

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        String dockerHost = TestDockerEngine.dockerHost();
        TestDockerEngine.connect().close();
        Host host = new Host("local", URI.create(dockerHost), null, null, Map.of());
        DockerExecutor executor = DockerExecutor.builder().build();

        List<Long> executorMillis = new ArrayList<>();
        List<Long> bareMillis = new ArrayList<>();
        for (int round = -2; round < rounds; round++) { // two warm-up rounds, not counted
            long bare = bareRun(dockerHost);
            long job = executorRun(executor, host, 1_000_000L + round + 3);
            if (round >= 0) {
                bareMillis.add(bare);
                executorMillis.add(job);
            }
        }
        executor.sweep(host, "bench");
        double ratio = (double) median(executorMillis) / median(bareMillis);
        System.out.printf("trivial job, %d rounds on %s%n", rounds, dockerHost);
        System.out.printf("  docker run --rm (CLI):  median %4d ms  min %4d ms  max %4d ms%n", median(bareMillis),
                Collections.min(bareMillis), Collections.max(bareMillis));
        System.out.printf("  DockerExecutor job:     median %4d ms  min %4d ms  max %4d ms%n",
                median(executorMillis), Collections.min(executorMillis), Collections.max(executorMillis));
        System.out.printf("  ratio executor/bare:    %.2fx (target <= 2.00x)%n", ratio);
    }

    private static long executorRun(DockerExecutor executor, Host host, long jobId) throws InterruptedException {
        JobPlan plan = new JobPlan("bench", jobId, "bench", "bench/trivial",
                JobPlan.ImageSpec.of(TestDockerEngine.BUSYBOX), List.of(),
                List.of(JobPlan.Variable.of("GIT_STRATEGY", "none")), null, List.of("echo hello"), List.of(),
                Duration.ofMinutes(1), null, null, null, null, null);
        RecordingTrace trace = new RecordingTrace();
        long started = System.nanoTime();
        JobOutcome outcome = executor.run(plan, host, new JobContext(trace, null, null, new JobControl()));
        long millis = (System.nanoTime() - started) / 1_000_000;
        if (outcome.status() != JobOutcome.Status.SUCCESS || !trace.text().contains("hello\n")) {
            throw new IllegalStateException("the trivial job did not succeed: " + outcome + "\n" + trace.text());
        }
        return millis;
    }

    private static long bareRun(String dockerHost) throws IOException, InterruptedException {
        ProcessBuilder docker = new ProcessBuilder("docker", "run", "--rm", TestDockerEngine.BUSYBOX, "sh", "-c",
                "echo hello").redirectErrorStream(true);
        docker.environment().put("DOCKER_HOST", dockerHost);
        long started = System.nanoTime();
        Process process = docker.start();
        String output = new String(process.getInputStream().readAllBytes());
        int exit = process.waitFor();
        long millis = (System.nanoTime() - started) / 1_000_000;
        if (exit != 0 || !output.contains("hello")) {
            throw new IllegalStateException("docker run failed (" + exit + "): " + output);
        }
        return millis;
    }

    private static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }
}
