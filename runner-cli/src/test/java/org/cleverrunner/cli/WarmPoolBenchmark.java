package org.cleverrunner.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
 * Whole-process harness (not a unit test), run by {@code scripts/bench-pool.sh}: a burst of jobs of one project
 * against a warm pool of idle M VMs on the Clever Cloud simulator with boot time B, the gateways in front of local
 * Docker. Prints each job's wait for its host (from the engine taking the job) in order, how many VMs were made,
 * and how many were left once the runner stopped.
 */
public final class WarmPoolBenchmark {

    public static void main(String[] args) throws Exception {
        Duration boot = Duration.ofMillis(args.length > 0 ? Long.parseLong(args[0]) : 20_000);
        int jobs = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int idle = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        Path dir = Files.createTempDirectory("pool-bench");
        Map<Long, Duration> provisioning = new ConcurrentHashMap<>();
        LoopbackVms vms = new LoopbackVms();
        try (FakeCoordinator gitlab = FakeCoordinator.builder().longPollTimeout(Duration.ofSeconds(5))
                .traceUpdateInterval(Duration.ofMillis(200)).start();
                CleverCloudSimulator clever = CleverCloudSimulator.builder()
                        .oauth(CleverCloudAuthentication.CLEVER_TOOLS_CONSUMER_KEY,
                                CleverCloudAuthentication.CLEVER_TOOLS_CONSUMER_SECRET, "bench", "bench-secret")
                        .bootTime(boot).workDir(dir.resolve("clever")).launcher(vms.launcher()).start()) {
            RunnerHandle runner = gitlab.addRunner(Set.of(), true);
            Path jar = Files.writeString(dir.resolve("docker-gateway.jar"), "stands for the gateway jar");
            Map<String, String> provisioner = Map.ofEntries(Map.entry("organisation", clever.organisationId()),
                    Map.entry("api-url", clever.url()), Map.entry("token", "bench"), Map.entry("secret", "bench-secret"),
                    Map.entry("endpoint-scheme", "http"), Map.entry("gateway-jar", jar.toString()),
                    Map.entry("poll-interval", "200ms"), Map.entry("pool.max-instances", Integer.toString(jobs + idle)),
                    Map.entry("pool.policy.0.idle-count", "M:" + idle), Map.entry("pool.policy.0.idle-time", "5m"));
            RunnerSettings settings = new RunnerSettings("bench", gitlab.url(), Secret.of(runner.token()), 0, 4,
                    "docker", "clever-cloud", ProviderSettings.empty(), new ProviderSettings("bench", provisioner),
                    null, "clever-runner/busybox:latest", 0);
            Engine engine = Engine.builder()
                    .settings(new EngineSettings(jobs, Duration.ofMillis(200), Duration.ofSeconds(60),
                            dir.resolve("journal.json"), List.of(settings)))
                    .traceInterval(Duration.ofMillis(200)).version("bench").listener(new EngineListener() {
                        @Override
                        public void hostAcquired(String name, long jobId, String provisioner, Duration duration) {
                            provisioning.put(jobId, duration);
                        }
                    }).build().start();
            long warmUp = System.nanoTime();
            while (clever.applications().stream().filter(app -> app.endpoint().isPresent()).count() < idle
                    && System.nanoTime() - warmUp < Duration.ofMinutes(5).toNanos()) {
                Thread.sleep(100);
            }
            Thread.sleep(1000);
            System.out.printf("pool warm with %d idle M VMs after %.1f s%n", idle, (System.nanoTime() - warmUp) / 1e9);
            List<JobHandle> burst = new ArrayList<>();
            for (int i = 0; i < jobs; i++) {
                burst.add(gitlab.enqueue(Jobs.job("burst-" + i).project(42, "octobus/heptapod")
                        .image("clever-runner/busybox:latest").variable("GIT_STRATEGY", "none")
                        .script("echo first-script-line", "sleep 5")));
            }
            List<Double> waits = new ArrayList<>();
            for (JobHandle job : burst) {
                gitlab.awaitJob(job.id(), Duration.ofMinutes(5));
                waits.add(provisioning.get(job.id()).toMillis() / 1000.0);
            }
            int created = clever.createdApplications().size();
            engine.shutdown();
            clever.awaitNoApplications(Duration.ofSeconds(60));
            waits.sort(null);
            System.out.printf("Clever Cloud simulator, boot time B = %.1f s, a burst of %d jobs of one project, %d"
                    + " idle M VMs:%n", boot.toMillis() / 1000.0, jobs, idle);
            StringBuilder sorted = new StringBuilder();
            waits.forEach(w -> sorted.append(String.format(java.util.Locale.ROOT, " %.2f", w)));
            System.out.println("  wait for a host, sorted (s):" + sorted);
            System.out.printf("  first %d: max %.2f s (target < 1 s); the rest: max %.2f s (target < B + 2 s = %.1f s)%n",
                    idle, waits.get(Math.min(idle, waits.size()) - 1), waits.get(waits.size() - 1),
                    boot.toMillis() / 1000.0 + 2);
            System.out.printf("  VMs created: %d; left after the runner stopped: %d%n", created,
                    clever.applications().size());
        } finally {
            vms.close();
        }
        System.exit(0);
    }
}
