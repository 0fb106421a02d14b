package org.cleverrunner.coordinator.payload;

import java.util.List;

/**
 * A job as the coordinator hands it to the runner (the 201 body of {@code POST /jobs/request}).
 *
 * <p>Unknown fields are ignored, lists that Rails omits come back empty, booleans Rails omits when false are
 * false. {@link #toString()} never shows the job token, variable values or credentials.
 */
public record JobPayload(
        long id,
        String token,
        boolean allowGitFetch,
        JobInfo jobInfo,
        GitInfo gitInfo,
        JobRunnerInfo runnerInfo,
        List<JobVariable> variables,
        List<JobStep> steps,
        List<JobHook> hooks,
        JobImage image,
        List<JobService> services,
        List<ArtifactSpec> artifacts,
        List<CacheSpec> cache,
        List<RegistryCredential> credentials,
        List<JobDependency> dependencies,
        JobFeatures features) {

    public JobPayload {
        variables = Lists.copy(variables);
        steps = Lists.copy(steps);
        hooks = Lists.copy(hooks);
        services = Lists.copy(services);
        artifacts = Lists.copy(artifacts);
        cache = Lists.copy(cache);
        credentials = Lists.copy(credentials);
        dependencies = Lists.copy(dependencies);
        if (features == null) {
            features = new JobFeatures(false, List.of(), List.of());
        }
    }

    /** The value of the job variable {@code key}, if the coordinator sent it. */
    public java.util.Optional<String> variable(String key) {
        return variables.stream().filter(v -> v.key().equals(key)).map(JobVariable::value).reduce((a, b) -> b);
    }

    /**
     * The job's timeout in seconds from {@code runner_info.timeout}, or GitLab's default of 3600 when absent or not
     * positive. A negative timeout is a broken payload: check {@code runnerInfo().timeout()} before trusting this.
     */
    public long timeoutSeconds() {
        return runnerInfo != null && runnerInfo.timeout() > 0 ? runnerInfo.timeout() : 3600;
    }

    @Override
    public String toString() {
        return "JobPayload[id=" + id + ", name=" + (jobInfo == null ? null : jobInfo.name())
                + ", project=" + (jobInfo == null ? null : jobInfo.projectFullPath())
                + ", sha=" + (gitInfo == null ? null : gitInfo.sha())
                + ", variables=" + variables.size() + ", steps=" + steps.size()
                + ", services=" + services.size() + ", token=[MASKED]]";
    }
}
