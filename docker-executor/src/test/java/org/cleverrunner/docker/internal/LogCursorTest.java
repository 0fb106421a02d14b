package org.cleverrunner.docker.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import org.cleverrunner.spi.Trace;
import org.junit.jupiter.api.Test;

/** The cursor on crafted multiplexed streams: per-frame timestamps, resuming without loss or repeat. */
class LogCursorTest {

    static final class Bytes implements Trace {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        @Override
        public void write(byte[] bytes, int from, int length) {
            out.write(bytes, from, length);
        }

        @Override
        public void sectionStart(String name, String header) {
            throw new AssertionError("no sections here");
        }

        @Override
        public void sectionEnd(String name) {
            throw new AssertionError("no sections here");
        }

        String text() {
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    /** One frame as the engine writes it: header, then {@code <RFC3339Nano timestamp> <text>}. */
    static byte[] frame(int stream, String timestamp, String text) {
        byte[] payload = ((timestamp == null ? "" : timestamp + " ") + text).getBytes(StandardCharsets.UTF_8);
        byte[] frame = new byte[8 + payload.length];
        frame[0] = (byte) stream;
        frame[4] = (byte) (payload.length >>> 24);
        frame[5] = (byte) (payload.length >>> 16);
        frame[6] = (byte) (payload.length >>> 8);
        frame[7] = (byte) payload.length;
        System.arraycopy(payload, 0, frame, 8, payload.length);
        return frame;
    }

    static String at(long epochSecond, int nanos) {
        String text = Instant.ofEpochSecond(epochSecond, nanos).toString(); // e.g. 2023-11-14T22:13:20.000000001Z
        return text.replace("Z", "").length() == 19 ? text.replace("Z", ".000000000Z") : text;
    }

    static ByteArrayInputStream stream(byte[]... frames) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] f : frames) {
            all.writeBytes(f);
        }
        return new ByteArrayInputStream(all.toByteArray());
    }

    static final long T = 1_700_000_000L;

    @Test
    void twoEntriesWithTheSameTimestampAreBothWritten() throws IOException {
        Bytes trace = new Bytes();
        LogCursor cursor = new LogCursor(trace);
        String same = at(T, 123_456_789);
        cursor.read(stream(frame(1, same, "first\n"), frame(2, same, "second\n"), frame(1, same, "third\n")),
                cursor.resume());
        assertThat(trace.text()).isEqualTo("first\nsecond\nthird\n");
        assertThat(cursor.entries()).isEqualTo(3);
    }

    @Test
    void timestampsAreStrippedPerFrameSoPartialEntriesJoinIntoTheirLine() throws IOException {
        Bytes trace = new Bytes();
        LogCursor cursor = new LogCursor(trace);
        String x = "x".repeat(16 * 1024);
        cursor.read(stream(frame(1, at(T, 1), x), frame(1, at(T, 2), x), frame(1, at(T, 3), "end\n"),
                frame(1, at(T, 4), "2026-12-02T02:16:33.801076076Z is text here\n")), cursor.resume());
        assertThat(trace.text()).isEqualTo(x + x + "end\n2026-12-02T02:16:33.801076076Z is text here\n");
    }

    @Test
    void aStreamCutMidFrameResumesWithoutLosingOrRepeatingAnEntry() throws IOException {
        Bytes trace = new Bytes();
        LogCursor cursor = new LogCursor(trace);
        byte[][] log = {frame(1, at(T, 100), "a\n"), frame(1, at(T, 100), "b\n"), frame(2, at(T + 1, 5), "c\n"),
                frame(1, at(T + 1, 5), "d\n"), frame(1, at(T + 3, 0), "e\n"), frame(1, at(T + 3, 1), "f\n")};
        byte[] firstAnswer = stream(log[0], log[1], log[2]).readAllBytes();
        byte[] cut = Arrays.copyOf(concat(firstAnswer, log[3]), firstAnswer.length + 11);
        assertThatThrownBy(() -> cursor.read(new ByteArrayInputStream(cut), cursor.resume()))
                .isInstanceOf(EOFException.class);
        assertThat(trace.text()).isEqualTo("a\nb\nc\n");

        assertThat(cursor.resume())
                .isEqualTo(new LogCursor.Resume(Long.toString(T + 1 - LogCursor.MARGIN_SECONDS), 3));
        // what the engine answers for that since: every entry from that second on, the written ones first
        cursor.read(stream(log), cursor.resume());
        assertThat(trace.text()).isEqualTo("a\nb\nc\nd\ne\nf\n");

        // a drain from the new resume point brings nothing twice
        assertThat(cursor.resume()).isEqualTo(new LogCursor.Resume(Long.toString(T + 1), 4));
        cursor.read(stream(log[2], log[3], log[4], log[5]), cursor.resume());
        assertThat(trace.text()).isEqualTo("a\nb\nc\nd\ne\nf\n");
    }

    @Test
    void aClockSteppingBackWithinTheMarginLosesNothing() throws IOException {
        Bytes trace = new Bytes();
        LogCursor cursor = new LogCursor(trace);
        byte[] one = frame(1, at(T + 10, 500), "one\n");
        byte[] two = frame(1, at(T + 9, 700), "two\n"); // the clock stepped back
        byte[] three = frame(1, at(T + 9, 900), "three\n");
        cursor.read(stream(one, two), cursor.resume());
        assertThat(cursor.resume())
                .isEqualTo(new LogCursor.Resume(Long.toString(T + 9 - LogCursor.MARGIN_SECONDS), 2));
        cursor.read(stream(one, two, three), cursor.resume());
        assertThat(trace.text()).isEqualTo("one\ntwo\nthree\n");
    }

    @Test
    void framesWithoutATimestampAndUnmultiplexedStreamsAreWrittenWhole() throws IOException {
        Bytes trace = new Bytes();
        LogCursor cursor = new LogCursor(trace);
        cursor.read(stream(frame(1, at(T, 1), "line\n"), frame(2, null, "Error grabbing logs: boom\n")),
                cursor.resume());
        assertThat(trace.text()).isEqualTo("line\nError grabbing logs: boom\n");

        Bytes tty = new Bytes();
        LogCursor raw = new LogCursor(tty);
        raw.read(new ByteArrayInputStream("a TTY's raw output\r\n".getBytes(StandardCharsets.UTF_8)), raw.resume());
        assertThat(tty.text()).isEqualTo("a TTY's raw output\r\n");
    }

    @Test
    void anEmptyAnswerWritesNothingAndTheFirstReadIsTheWholeLog() throws IOException {
        Bytes trace = new Bytes();
        LogCursor cursor = new LogCursor(trace);
        assertThat(cursor.resume()).isEqualTo(new LogCursor.Resume("", 0));
        cursor.read(new ByteArrayInputStream(new byte[0]), cursor.resume());
        assertThat(trace.out.size()).isZero();
        assertThatThrownBy(() -> cursor.read(new ByteArrayInputStream(new byte[] {1, 0, 0}), cursor.resume()))
                .isInstanceOf(EOFException.class);
    }

    @Test
    void aReadCutBeforeItWroteAnythingMakesTheNextStartAtTheExactLastTimestamp() throws IOException {
        Bytes trace = new Bytes();
        LogCursor cursor = new LogCursor(trace);
        String last = at(T, 250_000_000);
        byte[][] log = {frame(1, at(T, 100), "a\n"), frame(1, last, "b\n"), frame(1, last, "c\n"),
                frame(1, at(T, 300_000_000), "d\n")};
        cursor.read(stream(log[0], log[1], log[2]), cursor.resume());
        // the margin re-reads three entries; this answer is cut before it gets past them
        LogCursor.Resume margin = cursor.resume();
        assertThat(margin.skip()).isEqualTo(3);
        byte[] cutEarly = Arrays.copyOf(stream(log).readAllBytes(), log[0].length + 5);
        assertThatThrownBy(() -> cursor.read(new ByteArrayInputStream(cutEarly), margin))
                .isInstanceOf(EOFException.class);
        LogCursor.Resume exact = cursor.resume();
        assertThat(exact).isEqualTo(new LogCursor.Resume(T + ".250000000", 2));
        // the engine's answer for that exact since: the two entries of that timestamp, then what is new
        cursor.read(stream(log[1], log[2], log[3]), exact);
        assertThat(trace.text()).isEqualTo("a\nb\nc\nd\n");
        assertThat(cursor.resume().since()).as("back to the margin once it advanced")
                .isEqualTo(Long.toString(T - LogCursor.MARGIN_SECONDS));
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
