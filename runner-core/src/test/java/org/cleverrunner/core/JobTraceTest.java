package org.cleverrunner.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import org.cleverrunner.coordinator.TraceBuffer;
import org.junit.jupiter.api.Test;

class JobTraceTest {

    /** A sink that keeps everything, for content assertions. */
    static final class Collect implements TraceSink {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        @Override
        public synchronized void append(byte[] bytes, int from, int length) {
            out.write(bytes, from, length);
        }

        synchronized String text() {
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    static String run(List<String> secrets, String... writes) {
        Collect sink = new Collect();
        try (JobTrace trace = JobTrace.builder().sink(sink).secrets(secrets).build()) {
            for (String w : writes) {
                trace.write(w);
            }
            trace.flush();
            assertThat(trace.heldBytes()).isZero();
        }
        return sink.text();
    }

    /** What the masker must produce: leftmost, longest secret first, in one pass. */
    static String reference(String text, List<String> secrets) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            int best = 0;
            for (String s : secrets) {
                if (!s.isEmpty() && text.startsWith(s, i) && s.length() > best) {
                    best = s.length();
                }
            }
            if (best > 0) {
                out.append("[MASKED]");
                i += best;
            } else {
                out.append(text.charAt(i++));
            }
        }
        return out.toString();
    }

    @Test
    void secretWrittenWholeIsMasked() {
        assertThat(run(List.of("s3cr3tValue"), "token is s3cr3tValue here\n"))
                .isEqualTo("token is [MASKED] here\n");
    }

    @Test
    void everyGitLabTokenPrefixOfTheOneListIsMaskedInTheLog() {
        for (String prefix : org.cleverrunner.coordinator.GitLabTokens.PREFIXES) {
            String out = run(List.of(), "got " + prefix + "AbC123_tok3n-x done\n");
            assertThat(out).as(prefix).doesNotContain("AbC123_tok3n-x").contains("got ").contains(" done");
        }
        assertThat(JobTrace.DEFAULT_TOKEN_PREFIXES).contains("glwt-", "GR1348941", "gltok-");
    }

    @Test
    void emptySecretsAreIgnored() {
        assertThat(run(java.util.Arrays.asList("", null), "plain text\n")).isEqualTo("plain text\n");
    }

    @Test
    void secretSplitAtEveryPositionAcrossTwoAndThreeWrites() {
        String secret = "s3cr3tValue";
        String text = "before " + secret + " after";
        for (int a = 0; a <= text.length(); a++) {
            assertThat(run(List.of(secret), text.substring(0, a), text.substring(a)))
                    .as("split at %d", a).isEqualTo("before [MASKED] after");
            for (int b = a; b <= text.length(); b++) {
                assertThat(run(List.of(secret), text.substring(0, a), text.substring(a, b), text.substring(b)))
                        .as("split at %d and %d", a, b).isEqualTo("before [MASKED] after");
            }
        }
    }

    @Test
    void randomSplitsWithOverlappingSecretsMatchTheReference() {
        List<String> secrets = List.of("abc", "abcdef", "cde", "bca", "xyzzy");
        Random random = new Random(1234);
        String alphabet = "abcdefxyz \n";
        for (int round = 0; round < 3000; round++) {
            StringBuilder text = new StringBuilder();
            int length = random.nextInt(60);
            for (int i = 0; i < length; i++) {
                if (random.nextInt(6) == 0) {
                    text.append(secrets.get(random.nextInt(secrets.size())));
                } else {
                    text.append(alphabet.charAt(random.nextInt(alphabet.length())));
                }
            }
            String t = text.toString();
            List<String> writes = new ArrayList<>();
            int at = 0;
            while (at < t.length()) {
                int n = 1 + random.nextInt(8);
                writes.add(t.substring(at, Math.min(t.length(), at + n)));
                at += n;
            }
            assertThat(run(secrets, writes.toArray(String[]::new))).as("text %s in %s", t, writes)
                    .isEqualTo(reference(t, secrets));
        }
    }

    @Test
    void outputDoesNotDependOnHowTheInputIsSplit() {
        List<String> secrets = List.of("pass", "password1", "glp");
        String[] pieces = {"pass", "password1", "glpat-", "glrt-", "gl", "tok3n", "?private_token=", "&X-Amz-Signature=",
            "a", "=", "&", " ", "\n", "-", "word"};
        Random random = new Random(4321);
        for (int round = 0; round < 2000; round++) {
            StringBuilder text = new StringBuilder();
            for (int n = random.nextInt(14); n > 0; n--) {
                text.append(pieces[random.nextInt(pieces.length)]);
            }
            String t = text.toString();
            String whole = run(secrets, t);
            List<String> writes = new ArrayList<>();
            int at = 0;
            while (at < t.length()) {
                int n = 1 + random.nextInt(6);
                writes.add(t.substring(at, Math.min(t.length(), at + n)));
                at += n;
            }
            assertThat(run(secrets, writes.toArray(String[]::new))).as("text %s in %s", t, writes).isEqualTo(whole);
            assertThat(whole).doesNotContain("password1").doesNotContain("glpat-tok3n");
        }
    }

    @Test
    void longestSecretWinsAndAdjacentSecretsAreBothMasked() {
        List<String> secrets = List.of("abc", "abcdef");
        assertThat(run(secrets, "abcdef")).isEqualTo("[MASKED]");
        assertThat(run(secrets, "abcde")).isEqualTo("[MASKED]de");
        assertThat(run(secrets, "abc", "def")).isEqualTo("[MASKED]");
        assertThat(run(List.of("foo", "bar"), "foobarfoo")).isEqualTo("[MASKED][MASKED][MASKED]");
        assertThat(run(List.of("foo", "bar"), "fo", "obarf", "oo")).isEqualTo("[MASKED][MASKED][MASKED]");
    }

    @Test
    void unfinishedSecretPrefixIsReleasedByFlushUnmasked() {
        Collect sink = new Collect();
        JobTrace trace = JobTrace.builder().sink(sink).secret("s3cr3tValue").build();
        trace.write("value: s3cr");
        assertThat(sink.text()).isEqualTo("value: ");
        assertThat(trace.heldBytes()).isEqualTo(4);
        trace.flush();
        assertThat(sink.text()).isEqualTo("value: s3cr");
        assertThat(trace.heldBytes()).isZero();
    }

    @Test
    void tokenPrefixesAreMaskedWholeAlsoAcrossWrites() {
        String token = "glpat-AbC123_x.y=z-9";
        String text = "using " + token + " now";
        for (int a = 0; a <= text.length(); a++) {
            for (int b = a; b <= text.length(); b++) {
                assertThat(run(List.of(), text.substring(0, a), text.substring(a, b), text.substring(b)))
                        .as("split at %d and %d", a, b).isEqualTo("using [MASKED] now");
            }
        }
        assertThat(run(List.of(), "runner glrt-abcdef and glrtr-zzz and glcbt-64_x\n"))
                .isEqualTo("runner [MASKED] and [MASKED] and [MASKED]\n");
        assertThat(run(List.of(), "gldt-", "tok", "en!")).isEqualTo("[MASKED]!");
        // a bare prefix is no token
        assertThat(run(List.of(), "tokens start with glpat- or glrt-\n")).isEqualTo("tokens start with glpat- or glrt-\n");
        assertThat(run(List.of(), "glpa", "t")).isEqualTo("glpat");
    }

    @Test
    void aTokenAfterAFlushedPrefixIsStillMasked() {
        Collect sink = new Collect();
        JobTrace trace = JobTrace.builder().sink(sink).build();
        trace.write("glpat-");
        trace.flush();
        trace.write("secretToken rest");
        trace.close();
        assertThat(sink.text()).isEqualTo("glpat-[MASKED] rest");
    }

    @Test
    void extraTokenPrefixesFromTheJobAreMasked() {
        Collect sink = new Collect();
        try (JobTrace trace = JobTrace.builder().sink(sink).tokenPrefixes(List.of("myco_")).build()) {
            trace.write("key myco_1234 ok");
        }
        assertThat(sink.text()).isEqualTo("key [MASKED] ok");
    }

    @Test
    void urlParametersAreMaskedAndTheirNamesKept() {
        String url = "GET https://s3.example.com/b/o?X-Amz-Credential=AKIA%2F2024&X-Amz-Signature=deadbeef#frag"
                + " and https://gitlab.example.com/api?private_token=abc123&rss_token=r55 done\n";
        String expected = "GET https://s3.example.com/b/o?X-Amz-Credential=[MASKED]&X-Amz-Signature=[MASKED]#frag"
                + " and https://gitlab.example.com/api?private_token=[MASKED]&rss_token=[MASKED] done\n";
        assertThat(run(List.of(), url)).isEqualTo(expected);
        Random random = new Random(7);
        for (int round = 0; round < 300; round++) {
            int a = random.nextInt(url.length() + 1);
            int b = a + random.nextInt(url.length() - a + 1);
            assertThat(run(List.of(), url.substring(0, a), url.substring(a, b), url.substring(b)))
                    .as("split at %d and %d", a, b).isEqualTo(expected);
        }
        assertThat(run(List.of(), "a?authenticity_token=&x=1")).isEqualTo("a?authenticity_token=&x=1");
        assertThat(run(List.of(), "https://h/p?x-amz-security-token=T0k3n")).isEqualTo("https://h/p?x-amz-security-token=[MASKED]");
    }

    @Test
    void secretsInsideUrlsAndTokensAreMaskedFirst() {
        assertThat(run(List.of("hunter22"), "https://u:hunter22@h/?private_token=hunter22 glpat-hunter22"))
                .isEqualTo("https://u:[MASKED]@h/?private_token=[MASKED] glpat-[MASKED]");
    }

    @Test
    void sectionsUseGitLabMarkersWithTheClocksEpochAndASanitizedName() {
        Clock clock = Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC);
        Collect sink = new Collect();
        try (JobTrace trace = JobTrace.builder().sink(sink).clock(clock).build()) {
            trace.sectionStart("Get Sources!", "Getting source from Git repository");
            trace.line("Fetching");
            trace.sectionEnd("Get Sources!");
        }
        assertThat(sink.text()).isEqualTo(
                "section_start:1700000000:get_sources_\r\u001b[0K\u001b[0K\u001b[36;1mGetting source from Git repository"
                        + "\u001b[0;m\nFetching\nsection_end:1700000000:get_sources_\r\u001b[0K\n");
        assertThat(JobTrace.sectionName("step_script")).isEqualTo("step_script");
        assertThat(JobTrace.sectionName("Upload-Artifacts é")).isEqualTo("upload-artifacts__");
    }

    @Test
    void limitNoticeAppearsOnceAndLaterOutputIsDropped() {
        Collect sink = new Collect();
        JobTrace trace = JobTrace.builder().sink(sink).limit(10).build();
        trace.write("0123456");
        trace.write("789abc");
        trace.write("more output");
        trace.close();
        String notice = "\n\u001b[31;1mJob's log exceeded limit of 10 bytes.\n"
                + "Job execution will continue but no more output will be collected.\u001b[0;m\n";
        assertThat(sink.text()).isEqualTo("0123456789" + notice);
        assertThat(trace.limitExceeded()).isTrue();
        assertThat(trace.droppedBytes()).isEqualTo(3 + 11);
        assertThat(trace.writtenBytes()).isEqualTo(10 + notice.getBytes(StandardCharsets.UTF_8).length);
        trace.write("after close");
        assertThat(trace.droppedBytes()).isEqualTo(3 + 11 + 11);
    }

    static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    static byte[] traced(byte[]... writes) {
        Collect sink = new Collect();
        try (JobTrace trace = JobTrace.builder().sink(sink).build()) {
            for (byte[] w : writes) {
                trace.write(w, 0, w.length);
            }
        }
        return sink.out.toByteArray();
    }

    @Test
    void invalidUtf8BecomesTheReplacementCharacterAsGitLabRunnerDoes() {
        // 0xff and a lone continuation byte are invalid; 0xc3 followed by 'b' is a truncated character
        assertThat(traced(bytes('a', 0xff, 0xc3, 'b', 0x80)))
                .isEqualTo("a\ufffd\ufffdb\ufffd".getBytes(StandardCharsets.UTF_8));
        // NUL and controls are valid UTF-8 and pass; the replacement character itself passes
        assertThat(traced(bytes(0, 1, 0x1b, 0x7f, 0xef, 0xbf, 0xbd))).isEqualTo(bytes(0, 1, 0x1b, 0x7f, 0xef, 0xbf,
                0xbd));
        // as Go's utf8.DecodeRune: overlong, surrogate and past-U+10FFFF forms cost one U+FFFD per byte
        assertThat(traced(bytes(0xc0, 0x80))).isEqualTo("\ufffd\ufffd".getBytes(StandardCharsets.UTF_8));
        assertThat(traced(bytes(0xed, 0xa0, 0x80))).isEqualTo("\ufffd\ufffd\ufffd".getBytes(StandardCharsets.UTF_8));
        assertThat(traced(bytes(0xf4, 0x90, 0x80, 0x80)))
                .isEqualTo("\ufffd\ufffd\ufffd\ufffd".getBytes(StandardCharsets.UTF_8));
        // a character cut by the end of the log is replaced byte by byte, as Go's encoder does at EOF
        assertThat(traced(bytes(0xf0, 0x9f, 0x98))).isEqualTo("\ufffd\ufffd\ufffd".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aCharacterSplitAcrossWritesStaysIntactAtEveryCut() {
        byte[] text = "a€😀é\u0000z".getBytes(StandardCharsets.UTF_8);
        for (int cut = 0; cut <= text.length; cut++) {
            for (int second = cut; second <= text.length; second++) {
                byte[] a = java.util.Arrays.copyOfRange(text, 0, cut);
                byte[] b = java.util.Arrays.copyOfRange(text, cut, second);
                byte[] c = java.util.Arrays.copyOfRange(text, second, text.length);
                assertThat(traced(a, b, c)).as("cuts at %d and %d", cut, second).isEqualTo(text);
            }
        }
        // byte by byte: a 4-byte character is held (3 bytes at most) until its last byte arrives
        Collect sink = new Collect();
        try (JobTrace trace = JobTrace.builder().sink(sink).build()) {
            byte[] emoji = "😀".getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < 3; i++) {
                trace.write(emoji, i, 1);
                assertThat(trace.heldBytes()).isEqualTo(i + 1);
                assertThat(sink.out.size()).isZero();
            }
            trace.write(emoji, 3, 1);
            assertThat(trace.heldBytes()).isZero();
            assertThat(sink.out.toByteArray()).isEqualTo(emoji);
        }
    }

    @Test
    void replacementDoesNotDependOnHowRandomBytesAreSplit() {
        Random random = new Random(8);
        for (int round = 0; round < 200; round++) {
            byte[] data = new byte[random.nextInt(300)];
            for (int i = 0; i < data.length; i++) {
                // mostly UTF-8 lead and continuation bytes, so that valid and broken characters both occur
                int kind = random.nextInt(4);
                data[i] = (byte) (kind == 0 ? random.nextInt(0x80) : kind == 1 ? 0x80 + random.nextInt(0x40)
                        : 0xc0 + random.nextInt(0x40));
            }
            byte[] whole = traced(data);
            List<byte[]> pieces = new ArrayList<>();
            for (int at = 0; at < data.length; ) {
                int n = Math.min(data.length - at, random.nextInt(6));
                pieces.add(java.util.Arrays.copyOfRange(data, at, at + n));
                at += n;
            }
            assertThat(traced(pieces.toArray(new byte[0][]))).as("round %d", round).isEqualTo(whole);
            assertThat(whole).as("round %d", round).isEqualTo(goReplacement(data));
            // what comes out is always valid UTF-8 and decodes to the same text Java's strict decoder accepts
            assertThat(isValidUtf8(whole)).isTrue();
        }
    }

    /** Go's encoding.Replacement encoder on a whole input (from its source): one U+FFFD per byte not in a rune. */
    static byte[] goReplacement(byte[] in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        while (i < in.length) {
            int n = validLength(in, i);
            if (n == 0) {
                out.writeBytes("\ufffd".getBytes(StandardCharsets.UTF_8));
                i++;
            } else {
                out.write(in, i, n);
                i += n;
            }
        }
        return out.toByteArray();
    }

    /** The shortest prefix at {@code i} that Java's strict decoder accepts as one character, or 0. */
    static int validLength(byte[] in, int i) {
        for (int n = 1; n <= 4 && i + n <= in.length; n++) {
            if (isValidUtf8(java.util.Arrays.copyOfRange(in, i, i + n))) {
                return n;
            }
        }
        return 0;
    }

    static boolean isValidUtf8(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes));
            return true;
        } catch (java.nio.charset.CharacterCodingException e) {
            return false;
        }
    }

    @Test
    void aLastLineWithoutNewlineEndsBeforeSectionMarkersAndRunnerLines() {
        Clock clock = Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC);
        Collect sink = new Collect();
        try (JobTrace trace = JobTrace.builder().sink(sink).clock(clock).build()) {
            trace.sectionStart("step", null);
            trace.write("no newline at end");
            trace.sectionEnd("step");
            trace.write("half");
            trace.line("Uploading artifacts");
            trace.write("ended\n");
            trace.line("Job succeeded");
            trace.write("");
            trace.sectionStart("next", "Next");
        }
        assertThat(sink.text()).isEqualTo("section_start:1700000000:step\r\u001b[0K"
                + "no newline at end\nsection_end:1700000000:step\r\u001b[0K\n"
                + "half\nUploading artifacts\n"
                + "ended\nJob succeeded\n"
                + "section_start:1700000000:next\r\u001b[0K\u001b[0K\u001b[36;1mNext\u001b[0;m\n");
    }

    @Test
    void theNewlineRuleLooksAtTheJobsBytesNotAtWhatMaskingMadeOfThem() {
        Collect sink = new Collect();
        try (JobTrace trace = JobTrace.builder().sink(sink).secret("s3cr3t").build()) {
            trace.write("password s3cr3t");
            trace.line("next");
            trace.write("x\n");
            trace.line("after a newline");
        }
        assertThat(sink.text()).isEqualTo("password [MASKED]\nnext\nx\nafter a newline\n");
    }

    @Test
    void fiftyMegabytesStreamWithBoundedHoldBack() {
        long[] count = {0};
        String longest = "abcdefghijklmnop-secret";
        List<String> secrets = List.of("abc", longest, "zz-top");
        JobTrace trace = JobTrace.builder().sink((b, off, len) -> count[0] += len).secrets(secrets)
                .limit(Long.MAX_VALUE).build();
        Random random = new Random(99);
        byte[] chunk = new byte[64 * 1024];
        long total = 50L * 1024 * 1024;
        int maxHeld = 0;
        for (long sent = 0; sent < total; sent += chunk.length) {
            for (int i = 0; i < chunk.length; i++) {
                chunk[i] = (byte) "abcdefghijklmnop-secretz\n".charAt(random.nextInt(25));
            }
            // cut every chunk right inside the longest secret so that the hold-back is exercised
            System.arraycopy(longest.getBytes(StandardCharsets.US_ASCII), 0, chunk, chunk.length - 10, 10);
            int cut = random.nextInt(chunk.length);
            trace.write(chunk, 0, cut);
            maxHeld = Math.max(maxHeld, trace.heldBytes());
            trace.write(chunk, cut, chunk.length - cut);
            maxHeld = Math.max(maxHeld, trace.heldBytes());
        }
        trace.close();
        assertThat(trace.maxHeldSecretBytes()).isGreaterThan(0).isLessThan(longest.length());
        // the token and URL stages hold at most their longest marker more
        assertThat(maxHeld).isLessThan(longest.length() + 25);
        assertThat(trace.heldBytes()).isZero();
        assertThat(count[0]).isGreaterThan(total / 4);
        assertThat(trace.droppedBytes()).isZero();
    }

    @Test
    void concurrentWritersProduceAllTheirBytes() throws Exception {
        TraceBuffer buffer = new TraceBuffer();
        JobTrace trace = JobTrace.builder().sink(buffer).secret("NEVER-PRINTED").build();
        int threads = 8;
        int lines = 2000;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread worker = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (int i = 0; i < lines; i++) {
                    trace.line("thread " + id + " line " + i);
                }
            });
            worker.start();
            workers.add(worker);
        }
        start.countDown();
        for (Thread worker : workers) {
            worker.join();
        }
        trace.close();
        String text = new String(buffer.toByteArray(), StandardCharsets.UTF_8);
        String[] got = text.split("\n");
        assertThat(got).hasSize(threads * lines);
        for (int t = 0; t < threads; t++) {
            for (int i = 0; i < lines; i += 397) {
                assertThat(text).contains("thread " + t + " line " + i + "\n");
            }
        }
        assertThat(buffer.size()).isEqualTo(trace.writtenBytes());
    }

    @Test
    void builderRejectsMissingSinkAndBadLimit() {
        assertThatThrownBy(() -> JobTrace.builder().build()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("sink");
        assertThatThrownBy(() -> JobTrace.builder().limit(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
