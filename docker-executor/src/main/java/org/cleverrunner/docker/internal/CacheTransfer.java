package org.cleverrunner.docker.internal;

import java.util.function.LongConsumer;
import org.cleverrunner.docker.internal.CacheTransferProtocol.Event;

/**
 * How one cache archive moves between the job's build volume and the store: on the runner ({@link InProcess}), or
 * on the job's host through its gateway ({@link GatewayCacheTransfer}). Both answer with the gateway protocol's
 * {@code done} event and report the bytes moved so far as they go.
 */
interface CacheTransfer {

    /** Restores the archive stored under {@code key}: RESTORED, MISSING or FAILED. */
    Event restore(String key, LongConsumer progress) throws InterruptedException;

    /** Saves the selected files under {@code key}: SAVED, EMPTY, TOO_LARGE or FAILED. */
    Event save(String key, Archives.Selection selection, Archives.Format format, Archives.CompressionLevel level,
            LongConsumer progress) throws InterruptedException;
}
