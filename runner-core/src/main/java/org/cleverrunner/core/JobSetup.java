package org.cleverrunner.core;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.cleverrunner.spi.JobPlan;
import org.cleverrunner.spi.Secret;

/**
 * What a runner adds to each of its jobs, as GitLab Runner's {@code [[runners]]} keys of the same names do:
 * {@code environment} (variables after the job's own, so they win), {@code pre_build_script} before the job's
 * script and {@code post_build_script} after it, in the same shell (a failure stops what follows; after_script
 * still runs), and {@code clone_url}, the scheme, host and port the job's sources are fetched from instead of
 * those of the coordinator's repository URL (its path and job-token credentials kept).
 *
 * @param environment {@code KEY=value} entries
 * @param preBuildScript a shell snippet, or null
 * @param postBuildScript a shell snippet, or null
 * @param cloneUrl an http(s) URL whose path is ignored, or null
 */
public record JobSetup(List<String> environment, String preBuildScript, String postBuildScript, String cloneUrl) {

    /** Nothing added. */
    public static final JobSetup NONE = new JobSetup(List.of(), null, null, null);

    public JobSetup {
        environment = List.copyOf(environment == null ? List.of() : environment);
        for (String entry : environment) {
            if (entry.indexOf('=') <= 0) {
                throw new IllegalArgumentException("environment entry " + entry + " is not KEY=value");
            }
        }
        preBuildScript = blankToNull(preBuildScript);
        postBuildScript = blankToNull(postBuildScript);
        cloneUrl = blankToNull(cloneUrl);
    }

    /** The plan with this setup applied. */
    JobPlan apply(JobPlan plan) {
        JobPlan applied = plan;
        for (String entry : environment) {
            int equals = entry.indexOf('=');
            applied = applied.withVariable(JobPlan.Variable.of(entry.substring(0, equals), entry.substring(equals + 1)));
        }
        if (preBuildScript != null || postBuildScript != null) {
            List<String> script = new ArrayList<>();
            if (preBuildScript != null) {
                script.add(preBuildScript);
            }
            script.addAll(applied.script());
            if (postBuildScript != null) {
                script.add(postBuildScript);
            }
            applied = applied.withScript(script);
        }
        if (cloneUrl != null && applied.sources() != null && applied.sources().repoUrl() != null) {
            JobPlan.SourceSpec sources = applied.sources();
            applied = applied.withSources(new JobPlan.SourceSpec(sources.vcs(),
                    Secret.of(cloneFrom(sources.repoUrl().reveal(), cloneUrl)), sources.revision(), sources.ref(),
                    sources.refType(), sources.refspecs(), sources.depth()));
        }
        return applied;
    }

    /** {@code repoUrl} with the scheme, host and port of {@code cloneUrl}; credentials and path kept. */
    static String cloneFrom(String repoUrl, String cloneUrl) {
        try {
            URI repo = new URI(repoUrl);
            URI base = new URI(cloneUrl);
            String basePath = base.getRawPath() == null ? "" : base.getRawPath().replaceAll("/+$", "");
            return base.getScheme() + "://" + (repo.getRawUserInfo() == null ? "" : repo.getRawUserInfo() + "@")
                    + base.getRawAuthority().replaceFirst("^.*@", "") + basePath
                    + (repo.getRawPath() == null ? "" : repo.getRawPath())
                    + (repo.getRawQuery() == null ? "" : "?" + repo.getRawQuery());
        } catch (URISyntaxException e) {
            // no URL in the message: the repository URL carries the job token
            throw new IllegalArgumentException("clone_url cannot be applied to the job's repository URL");
        }
    }

    private static String blankToNull(String text) {
        return text == null || text.isBlank() ? null : text;
    }

    @Override
    public String toString() {
        // environment values may be secrets an operator set; their names are enough
        return "JobSetup[environment=" + environment.stream().map(e -> e.substring(0, e.indexOf('='))).toList()
                + ", preBuildScript=" + (preBuildScript != null) + ", postBuildScript=" + (postBuildScript != null)
                + ", cloneUrl=" + Objects.toString(cloneUrl) + "]";
    }
}
