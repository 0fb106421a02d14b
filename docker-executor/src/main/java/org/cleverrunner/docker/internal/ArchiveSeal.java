package org.cleverrunner.docker.internal;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * A checksum of the whole archive, written by this runner at the archive's very end: the last bytes are
 * {@code clever-runner-crc32c:} and the CRC-32C of every byte before its eight hex digits. In a zip it is the
 * archive comment (the last field of the end-of-central-directory record); after a tar+zstd it is a zstd skippable
 * frame, which decoders pass over. Either way other tools read the archive as they would without it.
 *
 * <p>Why: an intact seal proves the file is, byte for byte, what this runner's archiver wrote, so a restore can
 * check names and links from the central directory and inflate each file once, while it streams into the volume.
 * An archive without a seal (written by GitLab Runner, by an older version, by hand) is read twice: once to check
 * every byte, once to extract, so that a damaged one is refused before anything is written. The seal is no
 * protection against whoever can write to the bucket (they could seal anything); the checks of names and links,
 * which keep an archive inside its directory, do not depend on it.
 */
final class ArchiveSeal {

    /** What an archive's end says about it. */
    enum State {
        /** No seal: the archive's bytes are to be checked entry by entry. */
        ABSENT,
        /** The archive is exactly what was sealed. */
        INTACT,
        /** A seal whose checksum does not match: the archive changed after it was written. */
        BROKEN
    }

    static final String PREFIX = "clever-runner-crc32c:";
    private static final int DIGITS = 8;
    /** The seal's bytes, digits included: a zip comment's length, a skippable frame's payload. */
    static final int LENGTH = PREFIX.length() + DIGITS;
    /** What the writer puts where the digits go; the sealing stream replaces it. */
    static final String PLACEHOLDER = PREFIX + "0".repeat(DIGITS);
    private static final int ZIP_END_RECORD = 22;
    private static final int SKIPPABLE_MAGIC = 0x184D2A5C;
    private static final int SKIPPABLE_HEADER = 8;

    private ArchiveSeal() {
    }

    /**
     * Wraps the stream an archive is written to: its last eight bytes, which must be the placeholder's digits, are
     * replaced on {@link OutputStream#close()} by the checksum of everything written before them.
     */
    static OutputStream sealing(OutputStream out) {
        return new Sealing(out);
    }

    /** The zstd skippable frame that carries the placeholder, to be written after a tar+zstd's last frame. */
    static byte[] skippableFrame() {
        ByteBuffer frame = ByteBuffer.allocate(SKIPPABLE_HEADER + LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        frame.putInt(SKIPPABLE_MAGIC).putInt(LENGTH).put(PLACEHOLDER.getBytes(StandardCharsets.US_ASCII));
        return frame.array();
    }

    /** Reads the archive's end and, when it carries a seal, checks the whole file against it. */
    static State check(Path archive, Archives.Format format) throws IOException {
        try (FileChannel channel = FileChannel.open(archive, StandardOpenOption.READ)) {
            long size = channel.size();
            int envelope = format == Archives.Format.ZIP ? ZIP_END_RECORD : SKIPPABLE_HEADER;
            if (size < envelope + LENGTH) {
                return State.ABSENT;
            }
            ByteBuffer tail = ByteBuffer.allocate(envelope + LENGTH).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, tail, size - tail.capacity());
            if (!envelopes(tail, format)) {
                return State.ABSENT;
            }
            byte[] seal = Arrays.copyOfRange(tail.array(), envelope, tail.capacity());
            String text = new String(seal, StandardCharsets.US_ASCII);
            if (!text.startsWith(PREFIX) || !text.substring(PREFIX.length()).matches("[0-9a-f]{8}")) {
                return State.ABSENT;
            }
            long expected = Long.parseLong(text.substring(PREFIX.length()), 16);
            return crc(channel, size - DIGITS) == expected ? State.INTACT : State.BROKEN;
        }
    }

    /** Whether the bytes before the seal are the record that holds it: a zip's end record or a skippable frame. */
    private static boolean envelopes(ByteBuffer tail, Archives.Format format) {
        if (format == Archives.Format.ZIP) {
            // end of central directory: signature PK\5\6 ... and, at offset 20, the comment's length
            return tail.getInt(0) == 0x06054b50 && Short.toUnsignedInt(tail.getShort(20)) == LENGTH;
        }
        return tail.getInt(0) == SKIPPABLE_MAGIC && tail.getInt(4) == LENGTH;
    }

    private static long crc(FileChannel channel, long length) throws IOException {
        CRC32C crc = new CRC32C();
        ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
        for (long position = 0; position < length; ) {
            buffer.clear().limit((int) Math.min(buffer.capacity(), length - position));
            int read = channel.read(buffer, position);
            if (read < 0) {
                throw new IOException("the archive ended while its checksum was computed");
            }
            position += read;
            buffer.flip();
            crc.update(buffer);
        }
        return crc.getValue();
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                throw new IOException("the archive ended while its end was read");
            }
        }
    }

    /** Passes bytes on with a lag of eight, and ends the stream with the checksum of all but those eight. */
    private static final class Sealing extends FilterOutputStream {
        private final CRC32C crc = new CRC32C();
        private final byte[] held = new byte[DIGITS];
        private int heldCount;
        private boolean closed;

        Sealing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int off, int len) throws IOException {
            if (len >= DIGITS) {
                pass(held, 0, heldCount);
                pass(bytes, off, len - DIGITS);
                System.arraycopy(bytes, off + len - DIGITS, held, 0, DIGITS);
                heldCount = DIGITS;
                return;
            }
            int overflow = heldCount + len - DIGITS;
            if (overflow > 0) {
                pass(held, 0, overflow);
                System.arraycopy(held, overflow, held, 0, heldCount - overflow);
                heldCount -= overflow;
            }
            System.arraycopy(bytes, off, held, heldCount, len);
            heldCount += len;
        }

        private void pass(byte[] bytes, int off, int len) throws IOException {
            if (len > 0) {
                crc.update(bytes, off, len);
                out.write(bytes, off, len);
            }
        }

        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            try {
                if (heldCount != DIGITS || !new String(held, StandardCharsets.US_ASCII).equals("0".repeat(DIGITS))) {
                    throw new IOException("the archive does not end with its seal's placeholder");
                }
                out.write(String.format("%08x", crc.getValue()).getBytes(StandardCharsets.US_ASCII));
            } finally {
                out.close();
            }
        }
    }
}
