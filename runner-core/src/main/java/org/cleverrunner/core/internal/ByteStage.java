package org.cleverrunner.core.internal;

/** One step of the trace pipeline: takes bytes, passes (possibly rewritten) bytes to the next step. */
public interface ByteStage {

    void write(byte[] bytes, int from, int length);

    /** Releases whatever is held back, then flushes the next stage. */
    void flush();

    /** How many bytes this stage (not its successors) currently holds back. */
    default int held() {
        return 0;
    }
}
