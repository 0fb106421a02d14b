package org.cleverrunner.coordinator.payload;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * {@code git_info}: where the sources come from. Heptapod adds {@code repo_type} ({@code hg} or {@code git}) and
 * {@code hgsha}, the Mercurial changeset to check out. {@code repoUrl} embeds {@code gitlab-ci-token:<job token>@}, so
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
        @JsonProperty("protected") Boolean isProtected,
        String repoType,
        String hgsha) {

    public GitInfo {
        refspecs = Lists.copy(refspecs);
    }

    /** Whether this is a Mercurial project on Heptapod. */
    public boolean isMercurial() {
        return "hg".equals(repoType);
    }

    /** The commit to check out: {@code hgsha} for Mercurial projects (falling back to {@code sha}), else {@code sha}. */
    public String revision() {
        return isMercurial() && hgsha != null && !hgsha.isBlank() ? hgsha : sha;
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
