package org.cleverrunner.cli.exec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.cleverrunner.core.CacheRules;
import org.cleverrunner.core.Variables;
import org.cleverrunner.spi.JobPlan;

/**
 * Turns one job of a {@link PipelineFile} into the {@link JobPlan} the engine hands executors, as GitLab would
 * have sent it in the job payload, plus what exec needs without GitLab.
 *
 * <p>Sources: the executor can only fetch http(s) repositories, and a local run must see the working tree as it
 * is (uncommitted edits included), so the plan says {@code GIT_STRATEGY=none} and carries a synthetic dependency
 * {@link #SOURCES} whose "artifacts" are the project directory zipped by {@link LocalArtifactTransfer}: the
 * executor's download_artifacts stage extracts them into {@code CI_PROJECT_DIR}, like any dependency.
 */
public final class ExecPlan {

    public static final String RUNNER_ID = "local";
    public static final String DEFAULT_IMAGE = "busybox:latest";
    public static final Duration DEFAULT_TIMEOUT = Duration.ofHours(1);
    /** The synthetic dependency that brings the working tree into the job. */
    public static final JobPlan.DependencySpec SOURCES = new JobPlan.DependencySpec(0, "sources", "sources.zip");

    private static final String NO_COMMIT = "0".repeat(40);

    /**
     * What the file does not say.
     *
     * @param projectDir the project's directory (the working tree shipped to the job)
     * @param defaultImage the image of jobs that name none
     * @param extraVariables {@code --env} values, which win over the file's (like a manual pipeline's variables)
     */
    public record Options(Path projectDir, String defaultImage, Map<String, String> extraVariables, long jobId) {
        public Options {
            Objects.requireNonNull(projectDir, "projectDir");
            defaultImage = defaultImage == null || defaultImage.isBlank() ? DEFAULT_IMAGE : defaultImage;
            extraVariables = Map.copyOf(extraVariables == null ? Map.of() : extraVariables);
        }
    }

    private ExecPlan() {
    }

    /** A job's plan and the warnings for its log (a cache key sanitised or left unused…). */
    public record Planned(JobPlan plan, List<String> warnings) {
        public Planned {
            Objects.requireNonNull(plan, "plan");
            warnings = List.copyOf(warnings);
        }
    }

    /** {@link #plan}'s plan, without its warnings. */
    public static JobPlan build(PipelineFile pipeline, String jobName, Options options) {
        return plan(pipeline, jobName, options).plan();
    }

    /**
     * One job's plan.
     *
     * @throws PipelineException if the job cannot run as the file says (a cache key with control characters)
     */
    public static Planned plan(PipelineFile pipeline, String jobName, Options options) {
        PipelineFile.Job job = pipeline.job(jobName);
        Path dir = options.projectDir().toAbsolutePath().normalize();
        String projectName = projectName(dir);
        String projectPath = "local/" + projectName;
        Duration timeout = job.timeout() == null ? DEFAULT_TIMEOUT : job.timeout();

        // Lowest precedence first, as GitLab orders them: predefined, global YAML, job YAML, then pipeline
        // (--env) variables; a lookup takes the last definition.
        List<JobPlan.Variable> declared = new ArrayList<>(predefined(job, dir, projectName, projectPath, timeout,
                options.jobId()));
        declared.addAll(pipeline.variables());
        declared.addAll(job.variables());
        options.extraVariables().forEach((key, value) -> declared.add(JobPlan.Variable.of(key, value)));
        // not overridable: the sources come as the synthetic dependency, never from a fetch
        declared.add(JobPlan.Variable.of("GIT_STRATEGY", "none"));

        Map<String, String> raw = new HashMap<>();
        declared.forEach(variable -> raw.put(variable.key(), variable.value()));
        List<JobPlan.Variable> variables = new ArrayList<>();
        Map<String, String> expanded = new HashMap<>();
        for (JobPlan.Variable variable : declared) {
            // one level, as GitLab Runner (and the engine's JobPlans): references see the others' unexpanded values
            String value = variable.raw() ? variable.value() : Variables.expand(variable.value(), raw);
            variables.add(new JobPlan.Variable(variable.key(), value, variable.masked(), variable.file(),
                    variable.raw()));
            expanded.put(variable.key(), value);
        }

        JobPlan.ImageSpec image = job.image() == null ? JobPlan.ImageSpec.of(options.defaultImage())
                : new JobPlan.ImageSpec(Variables.expand(job.image().name(), expanded), job.image().entrypoint(),
                        job.image().pullPolicy(), job.image().user(), job.image().platform());
        List<JobPlan.ServiceSpec> services = new ArrayList<>();
        for (JobPlan.ServiceSpec service : job.services()) {
            Map<String, String> values = new HashMap<>(expanded);
            List<JobPlan.Variable> serviceVariables = new ArrayList<>();
            for (JobPlan.Variable variable : service.variables()) {
                String value = variable.raw() ? variable.value() : Variables.expand(variable.value(), values);
                serviceVariables.add(new JobPlan.Variable(variable.key(), value, false, false, variable.raw()));
                values.put(variable.key(), value);
            }
            services.add(new JobPlan.ServiceSpec(Variables.expand(service.image(), expanded), service.aliases(),
                    service.entrypoint(), service.command(), serviceVariables, service.pullPolicy()));
        }
        // GitLab Runner's keys (sanitised, fallbacks, CACHE_FALLBACK_KEY), as under `run`
        CacheRules.Result cacheRules = CacheRules.of(job.caches(), 0, job.name(),
                LocalGit.branch(dir).orElse("local"), expanded);
        if (!cacheRules.problems().isEmpty()) {
            throw new PipelineException(pipeline.file(), 0, "job '" + job.name() + "': "
                    + String.join("; ", cacheRules.problems()));
        }
        List<JobPlan.ArtifactRule> artifacts = new ArrayList<>();
        for (JobPlan.ArtifactRule rule : job.artifacts()) {
            artifacts.add(new JobPlan.ArtifactRule(Variables.expand(rule.name(), expanded),
                    expandAll(rule.paths(), expanded), expandAll(rule.exclude(), expanded), rule.untracked(),
                    rule.when(), rule.expireIn(), rule.type(), rule.format()));
        }
        List<String> script = new ArrayList<>(job.beforeScript());
        script.addAll(job.script());
        return new Planned(new JobPlan(RUNNER_ID, options.jobId(), job.name(), projectPath, image, services,
                variables, null, script, job.afterScript(), timeout, null, cacheRules.caches(), artifacts,
                List.of(SOURCES), List.of()), cacheRules.warnings());
    }

    /** GitLab's predefined variables that make sense locally; CI_PROJECT_DIR and CI_BUILDS_DIR come from the executor. */
    private static List<JobPlan.Variable> predefined(PipelineFile.Job job, Path dir, String projectName,
            String projectPath, Duration timeout, long jobId) {
        String sha = LocalGit.headSha(dir).orElse(NO_COMMIT);
        String ref = LocalGit.branch(dir).orElse("local");
        List<JobPlan.Variable> variables = new ArrayList<>();
        add(variables, "CI", "true");
        add(variables, "GITLAB_CI", "true");
        add(variables, "CI_SERVER", "yes");
        add(variables, "CI_JOB_ID", Long.toString(jobId));
        add(variables, "CI_JOB_NAME", job.name());
        add(variables, "CI_JOB_NAME_SLUG", slug(job.name()));
        add(variables, "CI_JOB_STAGE", job.stage());
        add(variables, "CI_JOB_TIMEOUT", Long.toString(timeout.toSeconds()));
        add(variables, "CI_PIPELINE_ID", Long.toString(jobId));
        add(variables, "CI_PIPELINE_SOURCE", "local");
        add(variables, "CI_PROJECT_NAME", projectName);
        add(variables, "CI_PROJECT_NAMESPACE", "local");
        add(variables, "CI_PROJECT_PATH", projectPath);
        add(variables, "CI_PROJECT_PATH_SLUG", slug(projectPath));
        add(variables, "CI_COMMIT_SHA", sha);
        add(variables, "CI_COMMIT_SHORT_SHA", sha.substring(0, 8));
        add(variables, "CI_COMMIT_REF_NAME", ref);
        add(variables, "CI_COMMIT_REF_SLUG", slug(ref));
        add(variables, "CI_COMMIT_BRANCH", ref);
        add(variables, "CI_RUNNER_DESCRIPTION", "clever-runner exec");
        return variables;
    }

    private static void add(List<JobPlan.Variable> variables, String key, String value) {
        variables.add(JobPlan.Variable.of(key, value));
    }

    /** The directory's name as a project path segment: lower case letters, digits, dots, dashes, underscores. */
    static String projectName(Path dir) {
        Path name = dir.getFileName();
        String sanitized = (name == null ? "" : name.toString()).toLowerCase(Locale.ROOT)
                .replaceAll("[^a-z0-9._-]+", "-").replaceAll("^[-._]+|[-._]+$", "");
        return sanitized.isEmpty() || sanitized.endsWith(".tmp") ? "project" : sanitized;
    }

    /** GitLab's slugs: lower case, anything but a-z and 0-9 as '-', at most 63 characters, no dash at either end. */
    static String slug(String text) {
        String slug = text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "-");
        slug = slug.length() > 63 ? slug.substring(0, 63) : slug;
        return slug.replaceAll("^-+|-+$", "");
    }

    private static List<String> expandAll(List<String> texts, Map<String, String> values) {
        List<String> out = new ArrayList<>();
        for (String text : texts) {
            out.add(Variables.expand(text, values));
        }
        return out;
    }
}
