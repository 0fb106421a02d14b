package org.cleverrunner.core;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.cleverrunner.testkit.FakeCoordinator;
import org.cleverrunner.testkit.JobHandle;
import org.cleverrunner.testkit.Jobs;
import org.cleverrunner.testkit.RunnerHandle;

/**
 * Whole-process harness (not a unit test), run by {@code scripts/bench-engine.sh}:
 * <ol>
 * <li>job pickup latency: a job queued on the fake GitLab → the engine has it confirmed, long polling on;</li>
 * <li>the engine's heap and threads with 200 jobs running at once on the simulated provisioner and executor.</li>
 * </ol>
 */
public final class EngineBenchmark {

    public static void main(String[] args) throws Exception {
        int samples = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        int parallel = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        pickupLatency(samples);
        manyJobs(parallel);
        System.exit(0);
    }

    private static void pickupLatency(int samples) throws Exception {
        Map<Long, Long> acquiredAt = new ConcurrentHashMap<>();
        try (FakeCoordinator gitlab = FakeCoordinator.builder().longPollTimeout(Duration.ofSeconds(50)).start()) {
            RunnerHandle runner = gitlab.addRunner(Set.of(), true);
            Engine engine = engine(gitlab, runner, 4, new EngineListener() {
                @Override
                public void jobAcquired(String name, long jobId) {
                    acquiredAt.put(jobId, System.nanoTime());
                }
            });
            engine.start();
            Thread.sleep(500); // the first request has given the runner its last_update: long polling is on
            List<Double> millis = new ArrayList<>();
            for (int i = 0; i < samples + 5; i++) {
                long queued = System.nanoTime();
                JobHandle job = gitlab.enqueue(Jobs.job("pickup-" + i).script("echo hi"));
                gitlab.awaitJob(job.id(), Duration.ofSeconds(30));
                if (i >= 5) { // warm-up
                    millis.add((acquiredAt.get(job.id()) - queued) / 1e6);
                }
                Thread.sleep(20);
            }
            engine.shutdown();
            Collections.sort(millis);
            System.out.printf("job pickup latency (queued -> confirmed, long polling), %d jobs:%n", samples);
            System.out.printf("  p50 %.1f ms   p90 %.1f ms   max %.1f ms   (target p50 < 50 ms)%n",
                    percentile(millis, 50), percentile(millis, 90), millis.get(millis.size() - 1));
        }
    }

    private static void manyJobs(int parallel) throws Exception {
        try (FakeCoordinator gitlab = FakeCoordinator.builder().longPollTimeout(Duration.ofSeconds(50))
                .traceUpdateInterval(Duration.ofSeconds(3)).start()) {
            RunnerHandle runner = gitlab.addRunner(Set.of(), true);
            SimulatedBackends backends = new SimulatedBackends();
            System.gc();
            int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
            long heapBefore = usedHeapAfterGc();
            Engine engine = engine(gitlab, runner, parallel, EngineListener.NONE, backends);
            List<JobHandle> jobs = new ArrayList<>();
            for (int i = 0; i < parallel; i++) {
                jobs.add(gitlab.enqueue(Jobs.job("parallel-" + i).script("echo started " + i, "sleep 15000",
                        "echo done")));
            }
            engine.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (backends.running.get() < parallel && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            int runningJobs = backends.running.get();
            Thread.sleep(3000); // let log pumps and keep-alives run
            long heapDuring = usedHeapAfterGc();
            int threadsDuring = ManagementFactory.getThreadMXBean().getThreadCount();
            for (JobHandle job : jobs) {
                gitlab.awaitJob(job.id(), Duration.ofSeconds(120));
            }
            engine.shutdown();
            System.out.printf("%d jobs at once (simulated provisioner and executor, fake GitLab in-process):%n",
                    runningJobs);
            System.out.printf("  heap used after GC: %.1f MiB (%.1f MiB before the engine)   (target < 256 MiB)%n",
                    heapDuring / 1048576.0, heapBefore / 1048576.0);
            System.out.printf("  threads: %d (%d before)  => %.2f per running job   (target < 3)%n", threadsDuring,
                    threadsBefore, (threadsDuring - threadsBefore) / (double) Math.max(1, runningJobs));
            System.out.println("  (the fake GitLab's own request threads are counted too)");
        }
    }

    private static Engine engine(FakeCoordinator gitlab, RunnerHandle runner, int concurrent, EngineListener listener)
            throws Exception {
        return engine(gitlab, runner, concurrent, listener, new SimulatedBackends());
    }

    private static Engine engine(FakeCoordinator gitlab, RunnerHandle runner, int concurrent, EngineListener listener,
            SimulatedBackends backends) throws Exception {
        Path journal = Files.createTempDirectory("engine-bench").resolve("journal.json");
        RunnerSettings settings = RunnerSettings.of("bench", gitlab.url(), runner.token());
        return Engine.builder()
                .settings(new EngineSettings(concurrent, Duration.ofSeconds(3), Duration.ofSeconds(30), journal,
                        List.of(settings)))
                .executor(backends.executor).provisioner(backends.provisioner).listener(listener)
                .version("bench").build();
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return memory.getHeapMemoryUsage().getUsed();
    }

    private static double percentile(List<Double> sorted, int percent) {
        int index = (int) Math.ceil(percent / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }
}
