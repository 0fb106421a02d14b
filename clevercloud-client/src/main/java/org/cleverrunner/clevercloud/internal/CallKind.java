package org.cleverrunner.clevercloud.internal;

/** A request tag saying what may be retried. */
public enum CallKind {
    /** GET, PUT, DELETE: replaying is harmless, so connection failures, timeouts, 408, 429, 5xx are retried. */
    IDEMPOTENT,
    /**
     * A POST that creates (an application, a deployment): retried only when the API surely did not process it,
     * i.e. on 429 and 503 and on failures to connect; never after a read timeout or a 500/502/504.
     */
    CREATE
}
