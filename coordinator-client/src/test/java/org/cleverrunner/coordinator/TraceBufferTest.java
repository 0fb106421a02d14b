package org.cleverrunner.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.util.Random;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

class TraceBufferTest {

    @Test
    void keepsBytesChecksumAndSizeAcrossChunkBoundaries() {
        TraceBuffer buffer = new TraceBuffer();
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        Random random = new Random(7);
        for (int i = 0; i < 200; i++) {
            byte[] piece = new byte[random.nextInt(5000)];
            random.nextBytes(piece);
            buffer.append(piece);
            expected.writeBytes(piece);
        }
        byte[] all = expected.toByteArray();
        CRC32 crc = new CRC32();
        crc.update(all);

        assertThat(buffer.size()).isEqualTo(all.length);
        assertThat(buffer.toByteArray()).isEqualTo(all);
        assertThat(buffer.checksum()).isEqualTo(String.format("crc32:%08x", crc.getValue()));
        byte[] slice = new byte[70_000];
        int read = buffer.read(60_000, slice, 0, slice.length);
        assertThat(read).isEqualTo(Math.min(70_000, all.length - 60_000));
        assertThat(java.util.Arrays.copyOfRange(slice, 0, read))
                .isEqualTo(java.util.Arrays.copyOfRange(all, 60_000, 60_000 + read));
    }

    @Test
    void emptyTraceHasTheChecksumGitLabRunnerSends() {
        assertThat(new TraceBuffer().checksum()).isEqualTo("crc32:00000000");
    }

    @Test
    void rejectsReadsOutsideTheTrace() {
        TraceBuffer buffer = new TraceBuffer();
        buffer.append("abc");
        assertThat(buffer.read(3, new byte[4], 0, 4)).isZero();
        assertThatThrownBy(() -> buffer.read(4, new byte[4], 0, 4)).isInstanceOf(IndexOutOfBoundsException.class);
    }
}
