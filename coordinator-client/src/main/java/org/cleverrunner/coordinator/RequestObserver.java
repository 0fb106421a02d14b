package org.cleverrunner.coordinator;

import java.util.Locale;
import java.util.Objects;

/**
 * Told of the API calls a {@link CoordinatorClient} makes that gitlab-runner measures (network/api_requests_collector.go:
 * request_job, update_job, patch_trace, reset_token), for its {@code gitlab_runner_api_request_statuses_total} and
 * {@code gitlab_runner_request_concurrency}. Each call is one {@link #started} and one {@link #finished}, whatever
 * happens in between; retries are inside a call, so {@code finished} has the status the client acted on.
 *
 * <p>The methods are no-ops by default so that new events can be added; they must be quick and must not call the
 * client back. An exception thrown by one is logged and ignored.
 */
public interface RequestObserver {

    /** Observes nothing. */
    RequestObserver NONE = new RequestObserver() {
    };

    /** The endpoints, with gitlab-runner's label values. */
    enum Endpoint {
        REQUEST_JOB, UPDATE_JOB, PATCH_TRACE, RESET_TOKEN;

        /** gitlab-runner's {@code endpoint} label: {@code request_job}… */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One call.
     *
     * @param endpoint which
     * @param method   the HTTP method, lower case as gitlab-runner labels it ({@code post}, {@code put}, {@code patch})
     * @param runner   the short token of the runner whose token the call carries (gitlab-runner's {@code runner}
     *                 label), or null for calls made with a job token or a personal access token; never the token
     * @param systemId the system id the call sends, or null
     * @param jobId    the job the call is about, or the job a request received; 0 when none
     */
    record Call(Endpoint endpoint, String method, String runner, String systemId, long jobId) {

        public Call {
            Objects.requireNonNull(endpoint, "endpoint");
            method = method.toLowerCase(Locale.ROOT);
        }

        Call withJobId(long id) {
            return new Call(endpoint, method, runner, systemId, id);
        }
    }

    /** The call is about to be sent (for request_job: a request is in flight until {@link #finished}). */
    default void started(Call call) {
    }

    /**
     * The call is over.
     *
     * @param status the HTTP status of the answer, or 0 when there was none (connection failed or cut once the
     *               retries were spent); gitlab-runner counts no status then
     */
    default void finished(Call call, int status) {
    }
}
