package org.cleverrunner.coordinator;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where an artifact archive's bytes come from. A file can be read again, so its upload can be retried or
 * redirected; a plain stream is sent once, and a failure is final.
 */
public interface ArtifactSource {

    /** Opens the bytes; called again for each retry when {@link #repeatable()}. */
    InputStream open() throws IOException;

    /** The length in bytes, or -1 when unknown (the upload is then chunked). */
    long length();

    /** Whether {@link #open()} may be called more than once. */
    boolean repeatable();

    static ArtifactSource ofFile(Path file) {
        Objects.requireNonNull(file, "file");
        return new ArtifactSource() {
            @Override
            public InputStream open() throws IOException {
                return Files.newInputStream(file);
            }

            @Override
            public long length() {
                try {
                    return Files.size(file);
                } catch (IOException e) {
                    return -1;
                }
            }

            @Override
            public boolean repeatable() {
                return true;
            }
        };
    }

    /** A one-shot stream of unknown length, streamed chunked. The caller closes it. */
    static ArtifactSource ofStream(InputStream stream) {
        Objects.requireNonNull(stream, "stream");
        return new ArtifactSource() {
            private boolean opened;

            @Override
            public synchronized InputStream open() {
                if (opened) {
                    throw new IllegalStateException("a stream artifact source can be read only once");
                }
                opened = true;
                return stream;
            }

            @Override
            public long length() {
                return -1;
            }

            @Override
            public boolean repeatable() {
                return false;
            }
        };
    }
}
