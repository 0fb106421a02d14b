package org.cleverrunner.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.cleverrunner.core.JobTrace;
import org.cleverrunner.docker.gateway.DockerGateway;
import org.cleverrunner.spi.Host;
import org.cleverrunner.spi.JobContext;
import org.cleverrunner.spi.JobControl;
import org.cleverrunner.spi.JobOutcome;
import org.cleverrunner.spi.JobPlan;
import org.cleverrunner.spi.Secret;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/**
 * Every byte a job writes reaches its trace once, in order: jobs on the real engine through the executor and the
 * runner's {@link JobTrace} (masking, UTF-8 replacement, limit), the resulting bytes compared exactly.
 */
class LogFidelityIT {

    static final String RUNNER = "logfid";
    static final AtomicLong JOB_IDS = new AtomicLong(7_310_000);
    static final String FLOOD = "seq 1 60000 | sed 's/^/L/'";
    static Host host;
    static DockerExecutor executor;

    @BeforeAll
    static void connect() {
        TestDockerEngine.connect();
        host = new Host("local", URI.create(TestDockerEngine.dockerHost()), null, null, Map.of());
        executor = DockerExecutor.builder().build();
    }

    @AfterAll
    static void sweep() {
        executor.sweep(host, RUNNER);
    }

    record Run(JobOutcome outcome, byte[] bytes) {
        String text() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    static Run run(Host on, String... script) throws InterruptedException {
        JobPlan plan = new JobPlan(RUNNER, JOB_IDS.incrementAndGet(), "fidelity", "group/fidelity",
                JobPlan.ImageSpec.of(TestDockerEngine.BUSYBOX), List.of(),
                List.of(JobPlan.Variable.of("GIT_STRATEGY", "none")), null, List.of(script), List.of(),
                Duration.ofMinutes(2), null, null, null, null, null);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        JobOutcome outcome;
        try (JobTrace trace = JobTrace.builder().sink(sink::write).limit(64L * 1024 * 1024).build()) {
            outcome = executor.run(plan, on, new JobContext(trace, null, null, new JobControl()));
        }
        return new Run(outcome, sink.toByteArray());
    }

    static String floodLines(String prefix) {
        StringBuilder expected = new StringBuilder(600_000);
        for (int i = 1; i <= 60_000; i++) {
            expected.append(prefix).append(i).append('\n');
        }
        return expected.toString();
    }

    static void assertFloodExact(Run run, String... prefixes) {
        String text = run.text();
        assertThat(run.outcome().status()).as(tail(text)).isEqualTo(JobOutcome.Status.SUCCESS);
        int flood = -1;
        for (String prefix : prefixes) {
            long count = text.lines().filter(line -> line.startsWith(prefix)).count();
            assertThat(count).as("%s lines in the trace; end: %s", prefix, tail(text)).isEqualTo(60_000);
            flood = text.indexOf("\n" + floodLines(prefix));
            assertThat(flood).as("%s1..%s60000 in order, contiguous, each intact; end: %s", prefix, prefix, tail(text))
                    .isPositive();
        }
        int done = text.indexOf("\nFLOOD-DONE\n");
        assertThat(done).as("FLOOD-DONE after the flood").isGreaterThan(flood);
        assertThat(text.indexOf("\nFLOOD-DONE\n", done + 1)).as("FLOOD-DONE once").isEqualTo(-1);
    }

    static String tail(String text) {
        return text.substring(Math.max(0, text.length() - 400));
    }

    @RepeatedTest(30)
    void aFloodOfLinesArrivesCompleteAndExact() throws Exception {
        assertFloodExact(run(host, FLOOD, "echo FLOOD-DONE"), "L");
    }

    @Test
    void longLinesArriveIntactWithoutTimestampsInside() throws Exception {
        Run run = run(host, "head -c 51200 /dev/zero | tr '\\0' a; echo",
                "head -c 1048576 /dev/zero | tr '\\0' b; echo", "echo LONG-DONE");
        String text = run.text();
        assertThat(run.outcome().status()).isEqualTo(JobOutcome.Status.SUCCESS);
        assertThat(text).as("no timestamp got into the output").doesNotContainPattern("\\d{4}-\\d\\d-\\d\\dT\\d\\d:");
        assertThat(text).contains("\n" + "a".repeat(51_200) + "\n");
        assertThat(text).contains("\n" + "b".repeat(1_048_576) + "\n");
        assertThat(text).contains("\nLONG-DONE\n");
    }

    @Test
    void stdoutAndStderrMixedKeepEveryLineOnceAndIntact() throws Exception {
        Run run = run(host, "i=1; while [ $i -le 3000 ]; do echo \"out $i\"; echo \"err $i\" >&2; i=$((i+1)); done");
        assertThat(run.outcome().status()).isEqualTo(JobOutcome.Status.SUCCESS);
        List<Integer> out = new ArrayList<>();
        List<Integer> err = new ArrayList<>();
        for (String line : run.text().split("\n")) {
            if (line.matches("out \\d+")) {
                out.add(Integer.parseInt(line.substring(4)));
            } else if (line.matches("err \\d+")) {
                err.add(Integer.parseInt(line.substring(4)));
            } else if (!line.contains("while")) {
                assertThat(line).as("no broken out/err line").doesNotContain("out ").doesNotContain("err ");
            }
        }
        List<Integer> all = new ArrayList<>();
        for (int i = 1; i <= 3000; i++) {
            all.add(i);
        }
        assertThat(out).isEqualTo(all);
        assertThat(err).isEqualTo(all);
    }

    @Test
    void binaryOutputIsKeptAsGitLabRunnerKeepsIt() throws Exception {
        Run run = run(host, "printf '\\000\\377\\376abc\\n'",
                "head -c 100000 /dev/urandom > /tmp/r; cat /tmp/r; echo; echo B64-BEGIN; base64 /tmp/r; echo B64-END",
                "echo BINARY-DONE");
        assertThat(run.outcome().status()).isEqualTo(JobOutcome.Status.SUCCESS);
        byte[] expectedSmall = {0, (byte) 0xEF, (byte) 0xBF, (byte) 0xBD, (byte) 0xEF, (byte) 0xBF, (byte) 0xBD, 'a',
                'b', 'c', '\n'};
        assertThat(indexOf(run.bytes(), expectedSmall)).as("NUL kept, \\377 and \\376 each as U+FFFD").isPositive();

        String text = new String(run.bytes(), StandardCharsets.ISO_8859_1);
        int begin = text.indexOf("\nB64-BEGIN\n");
        int end = text.indexOf("\nB64-END\n");
        assertThat(begin).isPositive();
        byte[] random = Base64.getMimeDecoder().decode(text.substring(begin + 11, end).replace("\n", ""));
        assertThat(random).hasSize(100_000);
        byte[] expected = Utf8Reference.replaceInvalid(random);
        int at = indexOf(run.bytes(), expected);
        assertThat(at).as("the random bytes, invalid UTF-8 replaced exactly as Go's encoding.Replacement does")
                .isPositive();
        assertThat(run.bytes()[at + expected.length]).as("then the echoed newline").isEqualTo((byte) '\n');
        assertThat(run.text()).contains("\nBINARY-DONE\n");
    }

    @Test
    void aLastLineWithoutNewlineEndsOnALineOfItsOwn() throws Exception {
        Run run = run(host, "echo first", "printf 'no newline at end'");
        assertThat(run.outcome().status()).isEqualTo(JobOutcome.Status.SUCCESS);
        String text = run.text();
        int at = text.lastIndexOf("no newline at end");
        assertThat(at).isPositive();
        assertThat(text.substring(at)).as(text).startsWith("no newline at end\nsection_end:");
    }

    @Test
    void aFloodThroughAProxyThatCutsStreamsArrivesCompleteAndExact() throws Exception {
        String socket = TestDockerEngine.dockerHost();
        assertThat(socket).startsWith("unix://");
        try (DockerGateway gateway = DockerGateway.builder().bindAddress("127.0.0.1").port(0)
                .token(Secret.of("fidelity-token")).dockerSocket(Path.of(socket.substring(7))).build().start();
                CuttingProxy proxy = new CuttingProxy(gateway.port(), 400)) {
            Host cut = new Host("cut", URI.create("http://127.0.0.1:" + proxy.port()), Secret.of("fidelity-token"),
                    null, Map.of());
            for (int round = 0; round < 3; round++) {
                // the sleep has the stream cut before, and the slower gateway has it cut during, the flood
                assertFloodExact(run(cut, "sleep 0.5; " + FLOOD, "echo FLOOD-DONE"), "L");
            }
            assertThat(proxy.cuts.get()).as("streams were cut").isPositive();
        }
    }

    /**
     * Why the follower reads the multiplexed stream itself: docker-java's httpclient5 path hands one stdcopy frame
     * (one log entry) over in pieces of at most 1024 bytes, so a Frame is not an entry and a timestamp cannot be told
     * from output by looking at Frames.
     */
    @Test
    void dockerJavaFramesAreNotLogEntries() throws Exception {
        try (DockerClient docker = TestDockerEngine.connect()) {
            String id = docker.createContainerCmd(TestDockerEngine.BUSYBOX).withLabels(TestDockerEngine.LABELS)
                    .withName("clever-runner-logfid-frames-" + System.nanoTime())
                    .withCmd("sh", "-c", "head -c 50000 /dev/zero | tr '\\0' a; echo").exec().getId();
            try {
                docker.startContainerCmd(id).exec();
                docker.waitContainerCmd(id).start().awaitStatusCode(30, TimeUnit.SECONDS);
                List<byte[]> frames = new ArrayList<>();
                docker.logContainerCmd(id).withStdOut(true).withStdErr(true).withTimestamps(true)
                        .exec(new ResultCallback.Adapter<Frame>() {
                            @Override
                            public void onNext(Frame frame) {
                                frames.add(frame.getPayload().clone());
                            }
                        }).awaitCompletion(30, TimeUnit.SECONDS);
                long stamped = frames.stream()
                        .filter(f -> new String(f, 0, Math.min(f.length, 19), StandardCharsets.US_ASCII)
                                .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d"))
                        .count();
                assertThat(stamped).as("the engine splits the 50,000-byte line into 16 KiB entries").isEqualTo(4);
                assertThat(frames.size()).as("docker-java Frames for 4 entries").isGreaterThan(4);
                assertThat(frames).allSatisfy(f -> assertThat(f.length).isLessThanOrEqualTo(1024));
            } finally {
                docker.removeContainerCmd(id).withForce(true).exec();
            }
        }
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Go's {@code encoding.Replacement} encoder on a whole input, written from its source, as a test oracle. */
    static final class Utf8Reference {
        static byte[] replaceInvalid(byte[] in) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(in.length + 16);
            int i = 0;
            while (i < in.length) {
                int size = validRuneLength(in, i);
                if (size == 0) {
                    out.write(0xEF);
                    out.write(0xBF);
                    out.write(0xBD);
                    i++;
                } else {
                    out.write(in, i, size);
                    i += size;
                }
            }
            return out.toByteArray();
        }

        /** The length of the valid UTF-8 sequence at {@code i}, 0 when invalid (Go's utf8.DecodeRune size 1). */
        static int validRuneLength(byte[] b, int i) {
            int c = b[i] & 0xff;
            if (c < 0x80) {
                return 1;
            }
            int n;
            int lo = 0x80;
            int hi = 0xBF;
            if (c >= 0xC2 && c <= 0xDF) {
                n = 2;
            } else if (c >= 0xE0 && c <= 0xEF) {
                n = 3;
                lo = c == 0xE0 ? 0xA0 : 0x80;
                hi = c == 0xED ? 0x9F : 0xBF;
            } else if (c >= 0xF0 && c <= 0xF4) {
                n = 4;
                lo = c == 0xF0 ? 0x90 : 0x80;
                hi = c == 0xF4 ? 0x8F : 0xBF;
            } else {
                return 0;
            }
            if (i + n > b.length) {
                return 0;
            }
            int second = b[i + 1] & 0xff;
            if (second < lo || second > hi) {
                return 0;
            }
            for (int k = 2; k < n; k++) {
                int cont = b[i + k] & 0xff;
                if (cont < 0x80 || cont > 0xBF) {
                    return 0;
                }
            }
            return n;
        }
    }
}
