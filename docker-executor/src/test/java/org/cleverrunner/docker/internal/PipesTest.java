package org.cleverrunner.docker.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The pipe between a tar being written and the Engine reading it: every byte in order, failures on both sides. */
class PipesTest {

    @RepeatedTest(20)
    void everyByteArrivesInOrderWhateverTheWriteAndReadSizes() throws IOException {
        Random random = new Random();
        byte[] data = new byte[1 + random.nextInt(3 * 1024 * 1024)];
        random.nextBytes(data);
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        Pipes.piped("test", out -> {
            for (int at = 0; at < data.length; ) {
                int n = Math.min(data.length - at, random.nextInt(200_000));
                if (n == 1) {
                    out.write(data[at]);
                } else {
                    out.write(data, at, n);
                }
                at += n;
                if (random.nextInt(10) == 0) {
                    out.flush();
                }
            }
        }, in -> {
            byte[] buffer = new byte[1 + random.nextInt(100_000)];
            for (int n; (n = in.read(buffer, 0, 1 + random.nextInt(buffer.length))) >= 0; ) {
                received.write(buffer, 0, n);
            }
        });
        assertThat(received.toByteArray()).isEqualTo(data);
    }

    @Test
    @Timeout(10)
    void aWriterThatFailsIsNeverACleanEndForTheReader() {
        AtomicReference<Throwable> seenByReader = new AtomicReference<>();
        assertThatThrownBy(() -> Pipes.piped("test", out -> {
            out.write(new byte[5 * Pipes.Pipe.CHUNK * Pipes.Pipe.DEPTH]);
            throw new IOException("disk gone");
        }, in -> {
            try {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            } catch (IOException e) {
                seenByReader.set(e);
                throw e;
            }
        })).isInstanceOf(IOException.class).hasMessage("disk gone");
        assertThat(seenByReader.get()).as("the reader saw the failure, not an end").isNotNull()
                .hasMessageContaining("disk gone");
    }

    @Test
    @Timeout(10)
    void theWritersFailureIsThrownEvenWhenTheReaderFailsOfItToo() {
        // docker-java wraps the pipe's IOException in a RuntimeException: the log wants the writer's own words
        assertThatThrownBy(() -> Pipes.piped("test", out -> {
            out.write(new byte[100]);
            throw new IOException("archive is corrupt: entry 'b' fails its CRC check");
        }, in -> {
            try {
                in.readAllBytes();
            } catch (IOException e) {
                throw new RuntimeException("java.io.IOException: " + e.getMessage(), e);
            }
        })).isInstanceOf(IOException.class).hasMessage("archive is corrupt: entry 'b' fails its CRC check");
    }

    @Test
    @Timeout(10)
    void aReaderThatGivesUpUnblocksTheWriter() {
        long started = System.nanoTime();
        assertThatThrownBy(() -> Pipes.piped("test", out -> {
            byte[] chunk = new byte[Pipes.Pipe.CHUNK];
            while (true) {
                out.write(chunk); // far more than the pipe holds
            }
        }, in -> {
            in.readNBytes(1000);
            throw new IOException("the Engine refused the archive");
        })).isInstanceOf(IOException.class).hasMessageContaining("the Engine refused the archive");
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started)).isLessThan(5);
    }

    @Test
    void countingReportsEveryByte() throws IOException {
        AtomicLong counted = new AtomicLong();
        try (InputStream in = Pipes.counting(new java.io.ByteArrayInputStream(new byte[12345]), counted::addAndGet)) {
            in.read();
            in.readAllBytes();
        }
        assertThat(counted.get()).isEqualTo(12345);
    }
}
