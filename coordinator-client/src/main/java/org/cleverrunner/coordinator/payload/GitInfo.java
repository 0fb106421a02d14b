package org.cleverrunner.coordinator.payload;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * {@code git_info}: where the sources come from. {@code repoUrl} embeds {@code gitlab-ci-token:<job token>@}, so
 * {@link #toString()} strips the credentials.
 */
public record GitInfo(
        String repoUrl,
        String ref,
        String sha,
        String beforeSha,
        String refType,
        List<String> refspecs,
        int depth,
        String repoObjectFormat,
        @JsonProperty("protected") Boolean isProtected) {

    public GitInfo {
        refspecs = Lists.copy(refspecs);
    }

    /** The repository URL with any user information removed, safe to print. */
    public String repoUrlWithoutCredentials() {
        if (repoUrl == null) {
            return null;
        }
        return repoUrl.replaceFirst("^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@]*@", "$1");
    }

    @Override
    public String toString() {
        return "GitInfo[repoUrl=" + repoUrlWithoutCredentials() + ", ref=" + ref + ", sha=" + sha
                + ", refType=" + refType + ", refspecs=" + refspecs + ", depth=" + depth + "]";
    }
}
