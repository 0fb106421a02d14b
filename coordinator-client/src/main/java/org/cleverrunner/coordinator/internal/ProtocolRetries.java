package org.cleverrunner.coordinator.internal;

import java.io.IOException;
import okhttp3.Request;
import org.cleverrunner.http.RetryInterceptor;

/**
 * What the runner protocol retries (gitlab-runner's network client): 408, 429, 500, 502, 503, 504, any status from
 * 512, and every transport failure.
 */
public final class ProtocolRetries implements RetryInterceptor.Rule {

    public static final ProtocolRetries INSTANCE = new ProtocolRetries();

    private ProtocolRetries() {
    }

    /** Whether the protocol says a response with this status is worth another attempt. */
    public static boolean isRetryableStatus(int status) {
        return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 || status == 504
                || status >= 512;
    }

    @Override
    public boolean retries(Request request, int status) {
        return isRetryableStatus(status);
    }

    @Override
    public boolean retries(Request request, IOException failure) {
        return true;
    }
}
