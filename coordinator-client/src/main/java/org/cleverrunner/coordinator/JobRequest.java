package org.cleverrunner.coordinator;

import java.util.Objects;

/**
 * A {@code POST /jobs/request}. {@code lastUpdate} is the last {@code X-GitLab-Last-Update} value seen; when it
 * is set, GitLab's Workhorse holds the request open (long polling) until the runner's queue changes.
 */
public record JobRequest(String runnerToken, String systemId, String lastUpdate) {

    public JobRequest {
        Objects.requireNonNull(runnerToken, "runnerToken");
    }

    @Override
    public String toString() {
        return "JobRequest[systemId=" + systemId + ", lastUpdate=" + lastUpdate + ", runnerToken=[MASKED]]";
    }
}
