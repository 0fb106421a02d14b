package org.cleverrunner.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.cleverrunner.coordinator.payload.ArtifactSpec;
import org.cleverrunner.coordinator.payload.CacheSpec;
import org.cleverrunner.coordinator.payload.ExecutorOptions;
import org.cleverrunner.coordinator.payload.GitInfo;
import org.cleverrunner.coordinator.payload.JobDependency;
import org.cleverrunner.coordinator.payload.JobImage;
import org.cleverrunner.coordinator.payload.JobPayload;
import org.cleverrunner.coordinator.payload.JobService;
import org.cleverrunner.coordinator.payload.JobStep;
import org.cleverrunner.coordinator.payload.JobVariable;
import org.cleverrunner.coordinator.payload.RegistryCredential;
import org.cleverrunner.core.internal.GoDuration;
import org.cleverrunner.spi.JobPlan;
import org.cleverrunner.spi.Secret;

/**
 * Turns a coordinator's job payload into the {@link JobPlan} an executor runs, resolving what GitLab Runner resolves
 * on its side: variable expansion ({@link Variables#expand}) of non-raw variable values, image and service names,
 * service variables, cache keys and paths, artifact names and paths; the job and after_script timeouts; defaults.
 *
 * <p>Problems that do not stop the job (an invalid variable key, an unparsable {@code RUNNER_AFTER_SCRIPT_TIMEOUT},
 * no image) come back as {@link Result#warnings()}, one line each, free of variable values, for the job's log.
 */
public final class JobPlans {

    /** The image used when neither the job nor the caller names one. */
    public static final String DEFAULT_IMAGE = "alpine:latest";

    /** GitLab Runner's default after_script timeout. */
    public static final Duration DEFAULT_AFTER_SCRIPT_TIMEOUT = Duration.ofMinutes(5);

    private JobPlans() {
    }

    /** A plan, and the warnings to print at the top of the job's log. */
    public record Result(JobPlan plan, List<String> warnings) {
        public Result {
            Objects.requireNonNull(plan, "plan");
            warnings = List.copyOf(warnings);
        }
    }

    /** The same as {@link #fromPayload(JobPayload, String, String)} with {@link #DEFAULT_IMAGE}. */
    public static Result fromPayload(JobPayload job, String runnerId) {
        return fromPayload(job, runnerId, DEFAULT_IMAGE);
    }

    /**
     * @param runnerId the runner's short id, for names and labels
     * @param defaultImage the image for jobs that name none (the runner's configured image)
     */
    public static Result fromPayload(JobPayload job, String runnerId, String defaultImage) {
        Objects.requireNonNull(job, "job");
        Objects.requireNonNull(runnerId, "runnerId");
        Objects.requireNonNull(defaultImage, "defaultImage");
        List<String> warnings = new ArrayList<>();

        // Variables: valid keys only; later definitions win when values are looked up.
        List<JobVariable> valid = new ArrayList<>();
        Map<String, String> raw = new HashMap<>();
        for (JobVariable variable : job.variables()) {
            if (!Variables.isValidKey(variable.key())) {
                warnings.add("WARNING: variable " + printableKey(variable.key())
                        + " was dropped: a key must match [A-Za-z_][A-Za-z0-9_]*");
                continue;
            }
            valid.add(variable);
            raw.put(variable.key(), variable.value());
        }
        List<JobPlan.Variable> variables = new ArrayList<>();
        Map<String, String> expanded = new HashMap<>();
        for (JobVariable variable : valid) {
            // one level, as GitLab Runner: references resolve to the other variables' unexpanded values
            String value = variable.raw() ? variable.value() : Variables.expand(variable.value(), raw);
            variables.add(new JobPlan.Variable(variable.key(), value, variable.masked(), variable.file(),
                    variable.raw()));
            expanded.put(variable.key(), value);
        }

        String projectPath = job.jobInfo() != null && job.jobInfo().projectFullPath() != null
                ? job.jobInfo().projectFullPath() : "project-" + job.id();
        String jobName = job.jobInfo() != null ? job.jobInfo().name() : null;

        JobPlan.ImageSpec image = image(job.image(), expanded, defaultImage, warnings);
        List<JobPlan.ServiceSpec> services = new ArrayList<>();
        for (JobService service : job.services()) {
            services.add(service(service, expanded));
        }

        Duration afterScriptTimeout = DEFAULT_AFTER_SCRIPT_TIMEOUT;
        String configured = expanded.get("RUNNER_AFTER_SCRIPT_TIMEOUT");
        if (configured != null && !configured.isBlank()) {
            try {
                afterScriptTimeout = GoDuration.parse(configured);
            } catch (IllegalArgumentException e) {
                warnings.add("WARNING: RUNNER_AFTER_SCRIPT_TIMEOUT: " + e.getMessage() + "; using "
                        + DEFAULT_AFTER_SCRIPT_TIMEOUT.toMinutes() + "m");
            }
        }

        List<JobPlan.CacheRule> caches = new ArrayList<>();
        for (CacheSpec cache : job.cache()) {
            caches.add(new JobPlan.CacheRule(Variables.expand(cache.key(), expanded),
                    expandAll(cache.paths(), expanded), cache.untracked(), cache.policy(), cache.when(),
                    expandAll(cache.fallbackKeys(), expanded)));
        }
        List<JobPlan.ArtifactRule> artifacts = new ArrayList<>();
        for (ArtifactSpec artifact : job.artifacts()) {
            artifacts.add(new JobPlan.ArtifactRule(Variables.expand(artifact.name(), expanded),
                    expandAll(artifact.paths(), expanded), expandAll(artifact.exclude(), expanded),
                    artifact.untracked(), artifact.when(), artifact.expireIn(), artifact.artifactType(),
                    artifact.artifactFormat()));
        }
        List<JobPlan.DependencySpec> dependencies = new ArrayList<>();
        for (JobDependency dependency : job.dependencies()) {
            String filename = dependency.artifactsFile() == null ? null : dependency.artifactsFile().filename();
            dependencies.add(new JobPlan.DependencySpec(dependency.id(), dependency.name(), filename));
        }
        List<JobPlan.RegistryAuth> auths = new ArrayList<>();
        for (RegistryCredential credential : job.credentials()) {
            if ("registry".equalsIgnoreCase(credential.type()) && credential.url() != null) {
                auths.add(new JobPlan.RegistryAuth(credential.url(), credential.username(),
                        Secret.of(credential.password() == null ? "" : credential.password())));
            }
        }

        JobPlan plan = new JobPlan(runnerId, job.id(), jobName, projectPath, image, services, variables,
                sources(job.gitInfo()), step(job, JobStep.SCRIPT), step(job, JobStep.AFTER_SCRIPT),
                Duration.ofSeconds(job.timeoutSeconds()), afterScriptTimeout, caches, artifacts, dependencies, auths);
        return new Result(plan, warnings);
    }

    private static JobPlan.ImageSpec image(JobImage image, Map<String, String> values, String defaultImage,
            List<String> warnings) {
        String name = image == null ? null : Variables.expand(image.name(), values);
        if (name == null || name.isBlank()) {
            warnings.add("WARNING: the job names no image; using " + defaultImage);
            name = defaultImage;
        }
        if (image == null) {
            return JobPlan.ImageSpec.of(name);
        }
        ExecutorOptions.Docker docker = image.executorOpts() == null ? null : image.executorOpts().docker();
        return new JobPlan.ImageSpec(name, image.entrypoint(), image.pullPolicy(),
                docker == null ? null : docker.user(), docker == null ? null : docker.platform());
    }

    private static JobPlan.ServiceSpec service(JobService service, Map<String, String> jobValues) {
        // a service's own variables see the job's and override them, as in GitLab Runner's docker executor
        Map<String, String> values = new HashMap<>(jobValues);
        List<JobPlan.Variable> own = new ArrayList<>();
        for (JobService.ServiceVariable variable : service.variables()) {
            String value = Variables.expand(variable.value() == null ? "" : variable.value(), values);
            own.add(JobPlan.Variable.of(variable.key(), value));
            values.put(variable.key(), value);
        }
        return new JobPlan.ServiceSpec(Variables.expand(service.name(), jobValues), service.aliases(),
                service.entrypoint(), service.command(), own, service.pullPolicy());
    }

    private static JobPlan.SourceSpec sources(GitInfo git) {
        if (git == null || git.repoUrl() == null) {
            return null;
        }
        String vcs = git.repoType() == null || git.repoType().isBlank() ? "git"
                : git.repoType().toLowerCase(Locale.ROOT);
        return new JobPlan.SourceSpec(vcs, Secret.of(git.repoUrl()), git.revision(), git.ref(), git.refType(),
                git.refspecs(), git.depth());
    }

    private static List<String> step(JobPayload job, String name) {
        for (JobStep step : job.steps()) {
            if (name.equals(step.name())) {
                return step.script();
            }
        }
        return List.of();
    }

    private static List<String> expandAll(List<String> texts, Map<String, String> values) {
        List<String> out = new ArrayList<>(texts.size());
        for (String text : texts) {
            out.add(Variables.expand(text, values));
        }
        return out;
    }

    /** A key as the warning shows it: quoted, control characters escaped, cut when long. */
    private static String printableKey(String key) {
        if (key == null) {
            return "(no key)";
        }
        StringBuilder out = new StringBuilder("'");
        for (int i = 0; i < key.length() && i < 64; i++) {
            char c = key.charAt(i);
            out.append(c < 0x20 || c == 0x7f ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return out.append(key.length() > 64 ? "…'" : "'").toString();
    }
}
