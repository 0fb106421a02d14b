package org.cleverrunner.core;

import java.util.Objects;
import org.cleverrunner.coordinator.TraceBuffer;

/** Where a {@link JobTrace} puts the bytes it lets through (masked and capped). Called under the trace's lock. */
@FunctionalInterface
public interface TraceSink {

    void append(byte[] bytes, int from, int length);

    /** The coordinator client's buffer, which the trace uploader sends with {@code PATCH /trace}. */
    static TraceSink of(TraceBuffer buffer) {
        Objects.requireNonNull(buffer, "buffer");
        return buffer::append;
    }
}
