package org.cleverrunner.docker;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.cleverrunner.cache.s3.S3CacheStoreFactory;
import org.cleverrunner.docker.gateway.DockerGateway;
import org.cleverrunner.spi.CacheStore;
import org.cleverrunner.spi.Host;
import org.cleverrunner.spi.JobContext;
import org.cleverrunner.spi.JobControl;
import org.cleverrunner.spi.JobOutcome;
import org.cleverrunner.spi.JobPlan;
import org.cleverrunner.spi.ProviderSettings;
import org.cleverrunner.spi.Secret;

/**
 * Whole-process harness (not a unit test): one job cache of {@code megabytes} in {@code files} files, side by side
 * against the same S3 server: {@code zip -r} then {@code aws s3 cp} up, and {@code aws s3 cp} then {@code unzip}
 * down, against the executor's archive+upload and download+extract of the same tree, both in-process (local
 * engine) and on the host through the gateway (as on a VM); restores of the runner's own archive and of zip -r's. Prints each
 * figure, the ratios, and this JVM's peak heap. Run it with {@code scripts/bench-cache.sh}.
 */
public final class CacheBenchmark {

    private static final Pattern DOWNLOADED = Pattern.compile("Downloaded cache bench: [^\\n]* in ([0-9.]+) s");
    private static final Pattern CREATED = Pattern.compile("Created cache bench: (\\d+) file\\(s\\), ([^,]+), in ([0-9.]+) s");

    private static final LiveHeap LIVE = new LiveHeap();

    /** The heap each GC leaves (what is really live), from the collectors' notifications. */
    static final class LiveHeap {
        private final java.util.concurrent.atomic.AtomicLong peak = new java.util.concurrent.atomic.AtomicLong();
        private final java.util.concurrent.atomic.AtomicInteger collections =
                new java.util.concurrent.atomic.AtomicInteger();

        LiveHeap() {
            for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                ((javax.management.NotificationEmitter) gc).addNotificationListener((notification, handback) -> {
                    var info = com.sun.management.GarbageCollectionNotificationInfo.from(
                            (javax.management.openmbean.CompositeData) notification.getUserData());
                    long used = 0;
                    for (var entry : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                        if (isHeap(entry.getKey())) {
                            used += entry.getValue().getUsed();
                        }
                    }
                    peak.accumulateAndGet(used, Math::max);
                    collections.incrementAndGet();
                }, null, null);
            }
        }

        private static boolean isHeap(String pool) {
            for (MemoryPoolMXBean bean : ManagementFactory.getMemoryPoolMXBeans()) {
                if (bean.getName().equals(pool)) {
                    return bean.getType() == MemoryType.HEAP;
                }
            }
            return false;
        }

        long peak() {
            return peak.get();
        }

        int collections() {
            return collections.get();
        }
    }

    public static void main(String[] args) throws Exception {
        int megabytes = Integer.parseInt(args[0]);
        int files = Integer.parseInt(args[1]);
        String endpoint = args[2];
        String accessKey = System.getenv("AWS_ACCESS_KEY_ID");
        String bucket = "bench";
        Path work = Files.createTempDirectory("clever-runner-cache-bench");
        try {
            Path tree = work.resolve("tree");
            long bytes = writeTree(tree.resolve("vendor"), megabytes, files);
            System.out.printf("cache bench: %d files, %.1f MiB, S3 at %s%n", files, bytes / 1048576.0, endpoint);

            Path zip = work.resolve("baseline.zip");
            double zipUp = seconds(() -> exec(tree, "zip", "-q", "-r", zip.toString(), "vendor"));
            double awsUp = seconds(() -> exec(work, "aws", "--endpoint-url", endpoint, "s3", "cp", "--quiet",
                    zip.toString(), "s3://" + bucket + "/baseline.zip"));
            Path down = work.resolve("down.zip");
            double awsDown = seconds(() -> exec(work, "aws", "--endpoint-url", endpoint, "s3", "cp", "--quiet",
                    "s3://" + bucket + "/baseline.zip", down.toString()));
            Path out = work.resolve("out");
            Files.createDirectories(out);
            double unzip = seconds(() -> exec(out, "unzip", "-q", "-o", down.toString()));
            // the floor of any transfer through the Engine's archive API: the same tree in and out with docker cp
            String container = execOutput(work, "docker", "create", "-v", "/builds", TestDockerEngine.BUSYBOX,
                    "true").strip();
            double cpIn;
            double cpOut;
            try {
                cpIn = seconds(() -> exec(tree, "docker", "cp", "vendor", container + ":/builds/"));
                cpOut = seconds(() -> exec(work, "sh", "-c", "docker cp " + container + ":/builds/vendor - >"
                        + " /dev/null"));
            } finally {
                execOutput(work, "docker", "rm", "-f", "-v", container);
            }
            System.out.printf("  zip -r + aws s3 cp up:     %6.1f s (zip %.1f s, upload %.1f s), archive %.1f MiB%n",
                    zipUp + awsUp, zipUp, awsUp, Files.size(zip) / 1048576.0);
            System.out.printf("  aws s3 cp down + unzip:    %6.1f s (download %.1f s, unzip %.1f s)%n",
                    awsDown + unzip, awsDown, unzip);
            System.out.printf("  docker cp of the tree (the Engine's archive API alone): in %.1f s, out %.1f s%n",
                    cpIn, cpOut);

            Map<String, String> values = new HashMap<>(Map.of("Type", "s3",
                    "s3.ServerAddress", URI.create(endpoint).getAuthority(), "s3.Insecure", "true",
                    "s3.AccessKey", accessKey, "s3.SecretKey", System.getenv("AWS_SECRET_ACCESS_KEY"),
                    "s3.BucketName", bucket));
            String dockerHost = TestDockerEngine.dockerHost();
            DockerExecutor executor = DockerExecutor.builder().build();
            Host local = new Host("local", URI.create(dockerHost), null, null, Map.of());
            String token = "bench-" + Long.toHexString(System.nanoTime());
            try (CacheStore store = new S3CacheStoreFactory(Map.of()).create(
                    new ProviderSettings("bench.cache", values));
                    DockerGateway gateway = DockerGateway.builder().bindAddress("127.0.0.1").port(0)
                            .token(Secret.of(token)).dockerSocket(Path.of(dockerHost.replaceFirst("^unix://", "")))
                            .build().start()) {
                Host vm = new Host("vm", URI.create("http://127.0.0.1:" + gateway.port()), Secret.of(token), null,
                        Map.of());
                for (Host host : List.of(local, vm)) {
                    // the first job restores the baseline's zip (an archive another tool wrote, as GitLab Runner's
                    // would be) and saves its own; the second restores that one, as every later job does
                    store.save("bench", zip);
                    String first = job(executor, host, store, files, "pull-push");
                    double foreign = figure(DOWNLOADED, first, 1);
                    Matcher created = CREATED.matcher(first);
                    if (!created.find()) {
                        throw new IllegalStateException("no cache line in\n" + first);
                    }
                    double save = Double.parseDouble(created.group(3));
                    double restore = figure(DOWNLOADED, job(executor, host, store, files, "pull"), 1);
                    String where = host == local ? "in-process (local engine)" : "on the host (gateway)";
                    System.out.printf("  clever-runner %-26s archive+upload %6.1f s (%.2fx), download+extract"
                            + " %6.1f s (%.2fx); of zip -r's archive %6.1f s (%.2fx); %s files, %s%n", where, save,
                            save / (zipUp + awsUp), restore, restore / (awsDown + unzip), foreign,
                            foreign / (awsDown + unzip), created.group(1), created.group(2));
                }
                executor.sweep(local, "bench");
            }
            System.out.printf("  runner JVM (executor, S3 client and gateway): largest heap left by a GC %.1f MiB,"
                    + " %d GCs, under -Xmx%.0fm%n", LIVE.peak() / 1048576.0, LIVE.collections(),
                    Runtime.getRuntime().maxMemory() / 1048576.0);
        } finally {
            try (Stream<Path> walk = Files.walk(work)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static String job(DockerExecutor executor, Host host, CacheStore store, int files, String policy)
            throws InterruptedException {
        JobPlan plan = new JobPlan("bench", System.nanoTime() & 0xffffff, "bench", "bench/cache",
                JobPlan.ImageSpec.of(TestDockerEngine.BUSYBOX), List.of(),
                List.of(JobPlan.Variable.of("GIT_STRATEGY", "none")), null,
                List.of("test $(find vendor -type f | wc -l) -eq " + files + " && echo TREE-OK"), List.of(),
                Duration.ofHours(1), null,
                List.of(new JobPlan.CacheRule("bench", List.of("vendor/"), false, policy, "on_success", null)),
                null, null, null);
        RecordingTrace trace = new RecordingTrace();
        JobOutcome outcome = executor.run(plan, host, new JobContext(trace, store, null, new JobControl()));
        if (outcome.status() != JobOutcome.Status.SUCCESS || !trace.text().contains("TREE-OK\n")) {
            throw new IllegalStateException("the cache job did not succeed: " + outcome + "\n" + trace.text());
        }
        return trace.text();
    }

    /** Files of hex text (compressible about 2:1, as source trees and node_modules are) in 100 directories. */
    private static long writeTree(Path root, int megabytes, int files) throws IOException {
        long each = (long) megabytes * 1024 * 1024 / files;
        Random random = new Random(42);
        byte[] hex = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
        byte[] buffer = new byte[(int) each];
        long total = 0;
        for (int i = 0; i < files; i++) {
            Path dir = root.resolve("d" + (i % 100));
            Files.createDirectories(dir);
            for (int b = 0; b < buffer.length; b++) {
                buffer[b] = hex[random.nextInt(16)];
            }
            try (OutputStream out = Files.newOutputStream(dir.resolve("f" + i + ".txt"))) {
                out.write(buffer);
            }
            total += buffer.length;
        }
        return total;
    }

    private static double figure(Pattern pattern, String text, int group) {
        Matcher matcher = pattern.matcher(text);
        if (!matcher.find()) {
            throw new IllegalStateException("no cache line for " + pattern + " in\n" + text);
        }
        return Double.parseDouble(matcher.group(group));
    }

    @FunctionalInterface
    private interface Step {
        void run() throws Exception;
    }

    private static double seconds(Step step) throws Exception {
        long started = System.nanoTime();
        step.run();
        return (System.nanoTime() - started) / 1e9;
    }

    private static String execOutput(Path dir, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(dir.toFile()).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed with " + process.exitValue());
        }
        return out;
    }

    private static void exec(Path dir, String... command) throws IOException, InterruptedException {
        List<String> line = new ArrayList<>(List.of(command));
        Process process = new ProcessBuilder(line).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.INHERIT).start();
        if (process.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed with " + process.exitValue());
        }
    }
}
