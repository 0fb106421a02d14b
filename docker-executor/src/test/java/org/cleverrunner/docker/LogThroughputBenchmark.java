package org.cleverrunner.docker;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import org.cleverrunner.core.JobTrace;
import org.cleverrunner.spi.Host;
import org.cleverrunner.spi.JobContext;
import org.cleverrunner.spi.JobControl;
import org.cleverrunner.spi.JobOutcome;
import org.cleverrunner.spi.JobPlan;

/**
 * Whole-process harness (not a test: surefire and failsafe pick {@code *Test} and {@code *IT}): a job printing
 * 100 MB to stdout through the executor and {@link JobTrace} (limit raised so all is kept) into a sink that only
 * counts and CRCs; prints MB/s and the peak heap used (sampled). Run it with {@code scripts/bench-log.sh}, which
 * uses {@code -Xmx64m} to show the log streams in bounded memory.
 */
public final class LogThroughputBenchmark {

    public static void main(String[] args) throws Exception {
        long megabytes = args.length > 0 ? Long.parseLong(args[0]) : 100;
        long bytes = megabytes * 1_000_000L;
        TestDockerEngine.connect().close();
        Host host = new Host("local", URI.create(TestDockerEngine.dockerHost()), null, null, Map.of());
        DockerExecutor executor = DockerExecutor.builder().build();
        // 1000-byte lines (999 'x' and a newline): a common shape of heavy build output
        String script = "yes xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                + " | tr -d ' ' | head -c " + bytes;
        // the line `yes` prints is 101 bytes; sed pads it to 1000
        script = "yes | head -n " + (bytes / 1000) + " | sed 's/.*/" + "x".repeat(999) + "/'";
        JobPlan plan = new JobPlan("logbench", 7_390_001L + (System.nanoTime() & 0xffff), "bench", "bench/log",
                JobPlan.ImageSpec.of(TestDockerEngine.BUSYBOX), List.of(),
                List.of(JobPlan.Variable.of("GIT_STRATEGY", "none")), null, List.of(script), List.of(),
                Duration.ofMinutes(10), null, null, null, null, null);

        AtomicLong count = new AtomicLong();
        CRC32 crc = new CRC32();
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        AtomicLong peakHeap = new AtomicLong();
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        sampler.scheduleAtFixedRate(() -> peakHeap.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max),
                0, 20, TimeUnit.MILLISECONDS);
        JobOutcome outcome;
        long started = System.nanoTime();
        try (JobTrace trace = JobTrace.builder().sink((b, from, length) -> {
            count.addAndGet(length);
            crc.update(b, from, length);
        }).limit(Long.MAX_VALUE).build()) {
            outcome = executor.run(plan, host, new JobContext(trace, null, null, new JobControl()));
        } finally {
            sampler.shutdown();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        executor.sweep(host, "logbench");
        long expected = (bytes / 1000) * 1000;
        System.out.printf("job printing %,d bytes to stdout, through DockerExecutor + JobTrace on %s%n", expected,
                TestDockerEngine.dockerHost());
        System.out.printf("  outcome:    %s%n", outcome.status());
        System.out.printf("  trace:      %,d bytes (job output plus the runner's lines), crc32 %08x%n", count.get(),
                crc.getValue());
        System.out.printf("  wall time:  %.2f s (whole job: containers included)%n", seconds);
        System.out.printf("  throughput: %.1f MB/s of job output%n", expected / 1e6 / seconds);
        System.out.printf("  peak heap:  %.1f MiB used (max heap %.0f MiB)%n", peakHeap.get() / 1048576.0,
                Runtime.getRuntime().maxMemory() / 1048576.0);
        if (outcome.status() != JobOutcome.Status.SUCCESS || count.get() < expected) {
            System.out.println("  FAILED: the job did not succeed or its output is incomplete");
            System.exit(1);
        }
    }
}
