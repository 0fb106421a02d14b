package org.cleverrunner.spi;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything an {@link Executor} needs to run one job, resolved by the engine from the coordinator's payload:
 * image, services, variables (Rails' and the engine's, not yet the executor's own), sources, scripts, caches,
 * artifacts and dependencies. Secrets live only in {@link Variable} values marked masked, {@link SourceSpec#repoUrl()}
 * and {@link RegistryAuth}; none of them prints itself.
 *
 * @param runnerId whose the job's containers are, in their names and labels (lower case letters, digits, dashes)
 * @param jobId the coordinator's job id
 * @param jobName the job's name, for display
 * @param projectPath the project's full path ({@code group/project}), which sets the build directory
 * @param script the {@code script} step's lines as Rails sends them (before_script and script joined)
 * @param afterScript the {@code after_script} lines, run whatever happened, with {@code CI_JOB_STATUS}
 * @param timeout the job's execution timeout
 * @param afterScriptTimeout after_script's own timeout
 */
public record JobPlan(
        String runnerId,
        long jobId,
        String jobName,
        String projectPath,
        ImageSpec image,
        List<ServiceSpec> services,
        List<Variable> variables,
        SourceSpec sources,
        List<String> script,
        List<String> afterScript,
        Duration timeout,
        Duration afterScriptTimeout,
        List<CacheRule> caches,
        List<ArtifactRule> artifacts,
        List<DependencySpec> dependencies,
        List<RegistryAuth> registryAuths) {

    public JobPlan {
        Objects.requireNonNull(runnerId, "runnerId");
        Objects.requireNonNull(projectPath, "projectPath");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(timeout, "timeout");
        services = List.copyOf(services == null ? List.of() : services);
        variables = List.copyOf(variables == null ? List.of() : variables);
        script = List.copyOf(script == null ? List.of() : script);
        afterScript = List.copyOf(afterScript == null ? List.of() : afterScript);
        afterScriptTimeout = afterScriptTimeout == null ? Duration.ofMinutes(5) : afterScriptTimeout;
        caches = List.copyOf(caches == null ? List.of() : caches);
        artifacts = List.copyOf(artifacts == null ? List.of() : artifacts);
        dependencies = List.copyOf(dependencies == null ? List.of() : dependencies);
        registryAuths = List.copyOf(registryAuths == null ? List.of() : registryAuths);
    }

    /** A copy with one more variable, after the others (so it wins over an earlier one of the same name). */
    public JobPlan withVariable(Variable variable) {
        java.util.List<Variable> more = new java.util.ArrayList<>(variables);
        more.add(variable);
        return new JobPlan(runnerId, jobId, jobName, projectPath, image, services, more, sources, script, afterScript,
                timeout, afterScriptTimeout, caches, artifacts, dependencies, registryAuths);
    }

    /** A copy with another script (the {@code script} step's lines). */
    public JobPlan withScript(java.util.List<String> lines) {
        return new JobPlan(runnerId, jobId, jobName, projectPath, image, services, variables, sources, lines,
                afterScript, timeout, afterScriptTimeout, caches, artifacts, dependencies, registryAuths);
    }

    /** A copy with other sources. */
    public JobPlan withSources(SourceSpec other) {
        return new JobPlan(runnerId, jobId, jobName, projectPath, image, services, variables, other, script,
                afterScript, timeout, afterScriptTimeout, caches, artifacts, dependencies, registryAuths);
    }

    /** The last value of this variable, if the job has it. */
    public Optional<String> variable(String key) {
        String found = null;
        for (Variable variable : variables) {
            if (variable.key().equals(key)) {
                found = variable.value();
            }
        }
        return Optional.ofNullable(found);
    }

    /** The image to run a job in, as the job names it. */
    public record ImageSpec(String name, List<String> entrypoint, List<String> pullPolicy, String user,
            String platform) {
        public ImageSpec {
            Objects.requireNonNull(name, "name");
            entrypoint = List.copyOf(entrypoint == null ? List.of() : entrypoint);
            pullPolicy = List.copyOf(pullPolicy == null ? List.of() : pullPolicy);
        }

        public static ImageSpec of(String name) {
            return new ImageSpec(name, null, null, null, null);
        }
    }

    /**
     * A service container. {@code aliases} are the explicit ones; the executor adds those derived from the image.
     */
    public record ServiceSpec(String image, List<String> aliases, List<String> entrypoint, List<String> command,
            List<Variable> variables, List<String> pullPolicy) {
        public ServiceSpec {
            Objects.requireNonNull(image, "image");
            aliases = List.copyOf(aliases == null ? List.of() : aliases);
            entrypoint = List.copyOf(entrypoint == null ? List.of() : entrypoint);
            command = List.copyOf(command == null ? List.of() : command);
            variables = List.copyOf(variables == null ? List.of() : variables);
            pullPolicy = List.copyOf(pullPolicy == null ? List.of() : pullPolicy);
        }

        public static ServiceSpec of(String image, String... aliases) {
            return new ServiceSpec(image, List.of(aliases), null, null, null, null);
        }
    }

    /**
     * A job variable. {@code file} variables are written to a file the variable then points at; {@code raw} ones
     * are never expanded; {@code masked} values are hidden in the trace.
     */
    public record Variable(String key, String value, boolean masked, boolean file, boolean raw) {
        public Variable {
            Objects.requireNonNull(key, "key");
            value = value == null ? "" : value;
        }

        public static Variable of(String key, String value) {
            return new Variable(key, value, false, false, false);
        }

        public static Variable masked(String key, String value) {
            return new Variable(key, value, true, false, false);
        }

        @Override
        public String toString() {
            return "Variable[" + key + "=" + (masked ? Secret.MASK : value) + (file ? ", file" : "")
                    + (raw ? ", raw" : "") + "]";
        }
    }

    /**
     * Where the sources come from. {@code repoUrl} may embed the job's credentials and never prints itself.
     *
     * @param vcs {@code git} or {@code hg} (Heptapod's {@code git_info.repo_type})
     * @param revision the exact commit to check out ({@code sha}, or {@code hgsha} for Mercurial)
     * @param ref the branch or tag name, a label only for Mercurial ({@code branch/default}, {@code topic/default/t})
     * @param refspecs what to fetch for Git
     * @param depth the shallow-clone depth, 0 for full history
     */
    public record SourceSpec(String vcs, Secret repoUrl, String revision, String ref, String refType,
            List<String> refspecs, int depth) {
        public SourceSpec {
            vcs = vcs == null || vcs.isBlank() ? "git" : vcs;
            refspecs = List.copyOf(refspecs == null ? List.of() : refspecs);
        }
    }

    /** One {@code cache} entry; {@code policy} is pull-push, pull or push; {@code when} on_success, on_failure or always. */
    public record CacheRule(String key, List<String> paths, boolean untracked, String policy, String when,
            List<String> fallbackKeys) {
        public CacheRule {
            paths = List.copyOf(paths == null ? List.of() : paths);
            fallbackKeys = List.copyOf(fallbackKeys == null ? List.of() : fallbackKeys);
            policy = policy == null ? "pull-push" : policy;
            when = when == null ? "on_success" : when;
        }
    }

    /** One {@code artifacts} entry. */
    public record ArtifactRule(String name, List<String> paths, List<String> exclude, boolean untracked, String when,
            String expireIn, String type, String format) {
        public ArtifactRule {
            paths = List.copyOf(paths == null ? List.of() : paths);
            exclude = List.copyOf(exclude == null ? List.of() : exclude);
            when = when == null ? "on_success" : when;
            type = type == null ? "archive" : type;
            format = format == null ? "zip" : format;
        }
    }

    /** A job whose artifacts this job downloads; {@code filename} is null when it has none available. */
    public record DependencySpec(long jobId, String name, String filename) {
    }

    /** Credentials for a registry the job's images come from. */
    public record RegistryAuth(String registry, String username, Secret password) {
    }
}
