package org.cleverrunner.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.cleverrunner.clevercloud.CleverCloudAuthentication;
import org.cleverrunner.core.Engine;
import org.cleverrunner.core.EngineListener;
import org.cleverrunner.core.EngineSettings;
import org.cleverrunner.core.RunnerSettings;
import org.cleverrunner.spi.ProviderSettings;
import org.cleverrunner.spi.Secret;
import org.cleverrunner.testkit.FakeCoordinator;
import org.cleverrunner.testkit.JobHandle;
import org.cleverrunner.testkit.Jobs;
import org.cleverrunner.testkit.RunnerHandle;
import org.cleverrunner.testkit.clevercloud.CleverCloudSimulator;

/**
 * Whole-process harness (not a unit test), run by {@code scripts/bench-clever.sh}: with a simulated VM boot time B,
 * the time from a job acquired to its first script line in the coordinator's log, and the provisioner's own
 * overhead (provisioning time minus B), on the Clever Cloud simulator with the gateway in front of local Docker.
 */
public final class CleverCloudBenchmark {

    public static void main(String[] args) throws Exception {
        Duration boot = Duration.ofMillis(args.length > 0 ? Long.parseLong(args[0]) : 3000);
        int jobs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Path dir = Files.createTempDirectory("clever-bench");
        Map<Long, Long> acquired = new ConcurrentHashMap<>();
        Map<Long, Duration> provisioning = new ConcurrentHashMap<>();
        LoopbackVms vms = new LoopbackVms();
        try (FakeCoordinator gitlab = FakeCoordinator.builder().longPollTimeout(Duration.ofSeconds(30))
                .traceUpdateInterval(Duration.ofMillis(100)).start();
                CleverCloudSimulator clever = CleverCloudSimulator.builder()
                        .oauth(CleverCloudAuthentication.CLEVER_TOOLS_CONSUMER_KEY,
                                CleverCloudAuthentication.CLEVER_TOOLS_CONSUMER_SECRET, "bench", "bench-secret")
                        .bootTime(boot)
                        .workDir(dir.resolve("clever")).launcher(vms.launcher()).start()) {
            RunnerHandle runner = gitlab.addRunner(Set.of(), true);
            Path jar = Files.writeString(dir.resolve("docker-gateway.jar"), "stands for the gateway jar");
            RunnerSettings settings = new RunnerSettings("bench", gitlab.url(), Secret.of(runner.token()), 0, 1,
                    "docker", "clever-cloud", ProviderSettings.empty(), new ProviderSettings("bench", Map.of(
                            "organisation", clever.organisationId(), "api-url", clever.url(), "token", "bench", "secret", "bench-secret",
                            "endpoint-scheme", "http", "gateway-jar", jar.toString(), "poll-interval", "100ms")),
                    null, "clever-runner/busybox:latest", 0);
            Engine engine = Engine.builder()
                    .settings(new EngineSettings(1, Duration.ofMillis(200), Duration.ofSeconds(30),
                            dir.resolve("journal.json"), List.of(settings)))
                    .traceInterval(Duration.ofMillis(100)).version("bench").listener(new EngineListener() {
                        @Override
                        public void jobAcquired(String name, long jobId) {
                            acquired.put(jobId, System.nanoTime());
                        }

                        @Override
                        public void hostAcquired(String name, long jobId, String provisioner, Duration duration) {
                            provisioning.put(jobId, duration);
                        }
                    }).build().start();
            List<Double> firstLine = new ArrayList<>();
            List<Double> overhead = new ArrayList<>();
            for (int i = 0; i < jobs; i++) {
                JobHandle job = gitlab.enqueue(Jobs.job("bench-" + i).image("clever-runner/busybox:latest")
                        .variable("GIT_STRATEGY", "none").variable("CI_CLEVER_CLOUD_FLAVOR", "S")
                        .script("echo first-script-line"));
                long seen = 0;
                long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                while (seen == 0 && System.nanoTime() < deadline) {
                    if (gitlab.traceText(job.id()).contains("\nfirst-script-line")) {
                        seen = System.nanoTime();
                    } else {
                        Thread.sleep(10);
                    }
                }
                gitlab.awaitJob(job.id(), Duration.ofSeconds(60));
                firstLine.add((seen - acquired.get(job.id())) / 1e9);
                overhead.add(provisioning.get(job.id()).toMillis() / 1000.0 - boot.toMillis() / 1000.0);
            }
            engine.shutdown();
            Collections.sort(firstLine);
            Collections.sort(overhead);
            System.out.printf("Clever Cloud simulator, boot time B = %.1f s, %d jobs one after the other:%n",
                    boot.toMillis() / 1000.0, jobs);
            System.out.printf("  job acquired -> first script line in GitLab's log: median %.2f s, max %.2f s"
                    + "   (target < B + 2 s = %.1f s)%n", firstLine.get(firstLine.size() / 2),
                    firstLine.get(firstLine.size() - 1), boot.toMillis() / 1000.0 + 2);
            System.out.printf("  provisioner's own overhead (provisioning time - B): median %.2f s, max %.2f s%n",
                    overhead.get(overhead.size() / 2), overhead.get(overhead.size() - 1));
        } finally {
            vms.close();
        }
        System.exit(0);
    }
}
