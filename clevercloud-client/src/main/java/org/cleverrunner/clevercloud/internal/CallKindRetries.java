package org.cleverrunner.clevercloud.internal;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import okhttp3.Request;
import org.cleverrunner.http.RetryInterceptor;

/**
 * What the Clever Cloud client retries, by the request's {@link CallKind} tag. Idempotent calls (GET, PUT, DELETE):
 * transport failures and 408, 429, 500, 502, 503, 504. Calls that create something: only when the request surely
 * was not processed (429 and 503, refused before processing; failures to connect), never after a read timeout or
 * a 500/502/504, which may follow a creation.
 */
public final class CallKindRetries implements RetryInterceptor.Rule {

    public static final CallKindRetries INSTANCE = new CallKindRetries();

    private CallKindRetries() {
    }

    @Override
    public boolean retries(Request request, int status) {
        return retryable(kind(request), status);
    }

    @Override
    public boolean retries(Request request, IOException failure) {
        return retryable(kind(request), failure);
    }

    static CallKind kind(Request request) {
        return request.tag(CallKind.class) == null ? CallKind.IDEMPOTENT : request.tag(CallKind.class);
    }

    static boolean retryable(CallKind kind, int status) {
        if (kind == CallKind.CREATE) {
            return status == 429 || status == 503;
        }
        return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
    }

    static boolean retryable(CallKind kind, IOException e) {
        if (kind == CallKind.IDEMPOTENT) {
            return true;
        }
        // the request never reached the API: nothing can have been created
        return e instanceof ConnectException || e instanceof UnknownHostException
                || e instanceof NoRouteToHostException;
    }
}
