package org.cleverrunner.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
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
import org.cleverrunner.spi.Durations;
import org.cleverrunner.spi.ImageReference;
import org.cleverrunner.spi.JobOutcome;
import org.cleverrunner.spi.JobPlan;
import org.cleverrunner.spi.PlanRules;
import org.cleverrunner.spi.RunnerSpiException;
import org.cleverrunner.spi.Secret;

/**
 * Turns a coordinator's job payload into the {@link JobPlan} an executor runs, resolving what GitLab Runner resolves
 * on its side: variable expansion ({@link Variables#expand}) of non-raw variable values, image and service names,
 * service variables, cache keys and paths, artifact names and paths; the job and after_script timeouts; defaults.
 *
 * <p>Problems that do not stop the job (a variable key GitLab allows but no shell does, an unparsable
 * {@code RUNNER_AFTER_SCRIPT_TIMEOUT}, no image, a cache key sanitised or skipped) come back as
 * {@link Result#warnings()}, one line each, for the job's log. They never hold a variable's value as such, but a
 * cache key is quoted after expansion, as gitlab-runner quotes it: write them only through the job's masked trace.
 * A payload that cannot run as sent (no script, a negative timeout, a name or URL that no Docker Engine, git or
 * shell could take safely, a variable too large for the environment) is refused with an
 * {@link InvalidJobException} listing every problem, before any host or container exists.
 *
 * <h2>Cache keys</h2>
 * As gitlab-runner: the payload's key (Rails' final key, with its index and {@code -protected} or
 * {@code -non_protected} suffix) is expanded, or is {@code <job name>/<ref>} when empty, then sanitised
 * ({@code %2F}, {@code %2E}, backslashes, {@code ..} resolved under a virtual root, trailing spaces); a cache whose
 * key leaves nothing, or would leave {@code project/<id>/}, is skipped with a warning. Each cache restores from its
 * key, then its {@code fallback_keys} (sanitised alike, a bad one dropped with a warning), then the
 * CACHE_FALLBACK_KEY variable, unless that ends in {@code -protected}.
 *
 * <h2>Limits of the environment</h2>
 * Variables that are not file variables reach the job's containers as environment strings {@code KEY=value}, which
 * Linux copies at each {@code execve}: one string may hold at most {@value #MAX_VARIABLE_BYTES} bytes with its
 * terminating NUL (the kernel's {@code MAX_ARG_STRLEN}, 32 pages), and all of them with the command line at most
 * {@code ARG_MAX}, a quarter of the stack limit (2 MiB with the usual 8 MiB). The engine refuses a job whose
 * variable strings, counted with their NUL and their 8-byte pointer, exceed {@value #MAX_ENVIRONMENT_BYTES} bytes in
 * all, leaving the rest of ARG_MAX to the executor's own variables and the commands the job runs. Beyond these limits
 * the kernel fails with E2BIG ("argument list too long"); a file variable has no such limit.
 */
public final class JobPlans {

    /** The image used when neither the job nor the caller names one. */
    public static final String DEFAULT_IMAGE = "alpine:latest";

    /** GitLab Runner's default after_script timeout. */
    public static final Duration DEFAULT_AFTER_SCRIPT_TIMEOUT = Duration.ofMinutes(5);

    /** The largest environment string {@code KEY=value} with its NUL: the kernel's MAX_ARG_STRLEN (128 KiB). */
    public static final int MAX_VARIABLE_BYTES = 128 * 1024;

    /** The most the job's variables may take in a container's environment, with NULs and pointers (1 MiB). */
    public static final int MAX_ENVIRONMENT_BYTES = 1024 * 1024;

    private static final Pattern GITLAB_KEY = Pattern.compile("[A-Za-z0-9_]+");
    private static final Pattern PATH_SEGMENT = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*");
    private static final Pattern URL_SCHEME = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*):.*", Pattern.DOTALL);
    private static final Pattern USER = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?");
    private static final Pattern PLATFORM = Pattern.compile("[a-z0-9_]+/[a-z0-9_]+(/[a-z0-9_.]+)?");

    private JobPlans() {
    }

    /**
     * A payload the runner refuses to run. {@link #problems()} has one line per problem, naming the field and what is
     * wrong with it. A line never holds a variable's value, the repository URL or a credential as sent, but it may
     * quote a name after variable expansion (an image named {@code $REGISTRY/x;y}): write the lines, and the message
     * that joins them, only through the job's masked trace, not to the runner's log.
     */
    public static final class InvalidJobException extends RunnerSpiException {
        private final List<String> problems;
        private final JobOutcome.FailureKind failure;

        /** @param problems one line each, for the job's log */
        public InvalidJobException(long jobId, List<String> problems) {
            this(jobId, problems, JobOutcome.FailureKind.RUNNER_SYSTEM_FAILURE);
        }

        /** @param failure how the job fails: image_pull_failure when only image references are wrong */
        public InvalidJobException(long jobId, List<String> problems, JobOutcome.FailureKind failure) {
            super("job " + jobId + " cannot run: " + String.join("; ", problems));
            this.problems = List.copyOf(problems);
            this.failure = java.util.Objects.requireNonNull(failure, "failure");
        }

        public List<String> problems() {
            return problems;
        }

        public JobOutcome.FailureKind failure() {
            return failure;
        }
    }

    /** A plan, and the warnings to print at the top of the job's log (without their {@code WARNING:} prefix). */
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
     * @throws InvalidJobException if the payload cannot run as sent, with every problem found
     */
    public static Result fromPayload(JobPayload job, String runnerId, String defaultImage) {
        Objects.requireNonNull(job, "job");
        Objects.requireNonNull(runnerId, "runnerId");
        Objects.requireNonNull(defaultImage, "defaultImage");
        List<String> warnings = new ArrayList<>();
        List<String> problems = new ArrayList<>();

        // Variables: valid keys only; later definitions win when values are looked up.
        List<JobVariable> valid = new ArrayList<>();
        Map<String, String> raw = new HashMap<>();
        for (JobVariable variable : job.variables()) {
            if (variable.key() == null || !GITLAB_KEY.matcher(variable.key()).matches()) {
                problems.add("variable " + printableKey(variable.key()) + " has an invalid key: GitLab keys are"
                        + " letters, digits and '_' only");
                continue;
            }
            if (!Variables.isValidKey(variable.key())) {
                warnings.add("variable " + printableKey(variable.key())
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
                warnings.add("RUNNER_AFTER_SCRIPT_TIMEOUT: " + e.getMessage() + "; using "
                        + Durations.human(DEFAULT_AFTER_SCRIPT_TIMEOUT));
            }
        }

        List<JobPlan.CacheRule> declared = new ArrayList<>();
        for (CacheSpec cache : job.cache()) {
            declared.add(new JobPlan.CacheRule(cache.key() == null ? "" : cache.key(), cache.paths(),
                    cache.untracked(), cache.policy(), cache.when(), cache.fallbackKeys()));
        }
        CacheRules.Result cacheRules = CacheRules.of(declared, job.jobInfo() == null ? 0 : job.jobInfo().projectId(),
                jobName, job.gitInfo() == null ? null : job.gitInfo().ref(), expanded);
        warnings.addAll(cacheRules.warnings());
        problems.addAll(cacheRules.problems());
        List<JobPlan.CacheRule> caches = cacheRules.caches();
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

        checkSteps(job, problems);
        checkTimeout(job, problems);
        checkNames(job, problems);
        checkEnvironment("the job's", variables, 0, problems);
        // a reference no registry could serve fails the job as a pull would (image_pull_failure), before any host
        List<String> references = new ArrayList<>();
        checkImage("image", image, job.image() == null ? List.of() : job.image().pullPolicy(), problems, references);
        long jobEnvironment = environmentBytes(variables);
        for (int i = 0; i < services.size(); i++) {
            JobPlan.ServiceSpec service = services.get(i);
            String where = "services[" + i + "]";
            if (service.image() == null || service.image().isBlank()) {
                problems.add(where + " has no name (its image)");
            } else {
                checkImage(where, JobPlan.ImageSpec.of(service.image()), service.pullPolicy(), problems,
                        references);
            }
            for (String alias : service.aliases()) {
                if (!PlanRules.isHostName(alias)) {
                    problems.add(where + " alias " + quote(alias) + " is not a valid host name (letters, digits,"
                            + " '-', '_' and '.', at most 63)");
                }
            }
            checkEnvironment(where + "'s", service.variables(), jobEnvironment, problems);
        }
        checkSources(job.gitInfo(), problems);
        if (!problems.isEmpty() || !references.isEmpty()) {
            List<String> all = new ArrayList<>(references);
            all.addAll(problems);
            throw new InvalidJobException(job.id(), all, problems.isEmpty()
                    ? JobOutcome.FailureKind.IMAGE_PULL_FAILURE : JobOutcome.FailureKind.RUNNER_SYSTEM_FAILURE);
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
            warnings.add("the job names no image; using " + defaultImage);
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
            String key = variable.key() == null ? "" : variable.key(); // an empty key is refused by checkEnvironment
            String value = Variables.expand(variable.value() == null ? "" : variable.value(), values);
            own.add(JobPlan.Variable.of(key, value));
            values.put(key, value);
        }
        String name = service.name() == null ? "" : Variables.expand(service.name(), jobValues);
        return new JobPlan.ServiceSpec(name, service.aliases(),
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

    static List<String> expandAll(List<String> texts, Map<String, String> values) {
        List<String> out = new ArrayList<>(texts.size());
        for (String text : texts) {
            out.add(Variables.expand(text, values));
        }
        return out;
    }

    private static void checkSteps(JobPayload job, List<String> problems) {
        if (job.steps().isEmpty()) {
            problems.add("the payload has no steps: there is no script to run");
            return;
        }
        JobStep script = null;
        for (JobStep step : job.steps()) {
            if (JobStep.SCRIPT.equals(step.name()) && script == null) {
                script = step;
            }
            if (step.timeout() < 0) {
                problems.add("step " + quote(step.name()) + " has a negative timeout ("
                        + Durations.human(Duration.ofSeconds(step.timeout())) + ")");
            }
        }
        if (script == null) {
            problems.add("the payload has no 'script' step: there is no script to run");
        } else if (script.script().isEmpty()) {
            problems.add("the 'script' step has no lines (null or empty): there is no script to run");
        }
    }

    private static void checkTimeout(JobPayload job, List<String> problems) {
        if (job.runnerInfo() != null && job.runnerInfo().timeout() < 0) {
            problems.add("the job's timeout (runner_info.timeout) is "
                    + Durations.human(Duration.ofSeconds(job.runnerInfo().timeout())) + ": it must be positive");
        }
    }

    private static void checkNames(JobPayload job, List<String> problems) {
        if (job.jobInfo() == null) {
            return;
        }
        if (hasControl(job.jobInfo().name())) {
            problems.add("the job's name (job_info.name) " + quote(job.jobInfo().name())
                    + " holds control characters");
        }
        if (hasControl(job.jobInfo().stage())) {
            problems.add("the job's stage (job_info.stage) " + quote(job.jobInfo().stage())
                    + " holds control characters");
        }
        String path = job.jobInfo().projectFullPath();
        if (path != null) {
            boolean valid = !path.isEmpty() && path.length() <= 1024;
            for (String segment : path.split("/", -1)) {
                valid &= PATH_SEGMENT.matcher(segment).matches() && !segment.equals("..");
            }
            if (!valid) {
                problems.add("the project path (job_info.project_full_path) " + quote(path) + " is not a GitLab"
                        + " path: segments of letters, digits, '_', '-' and '.', not starting with '.' or '-'");
            }
        }
    }

    /** Non-file variables go to the environment: no NUL, each string and their total within the kernel's limits. */
    private static void checkEnvironment(String whose, List<JobPlan.Variable> variables, long alreadyUsed,
            List<String> problems) {
        for (JobPlan.Variable variable : variables) {
            if (!GITLAB_KEY.matcher(variable.key()).matches()) {
                problems.add(whose + " variable " + printableKey(variable.key()) + " has an invalid key: GitLab"
                        + " keys are letters, digits and '_' only");
                continue;
            }
            if (variable.file()) {
                continue;
            }
            if (variable.value().indexOf('\0') >= 0) {
                problems.add(whose + " variable " + variable.key() + " holds a NUL character, which no environment"
                        + " can carry; make it a file variable");
            }
            long bytes = entryBytes(variable);
            if (bytes > MAX_VARIABLE_BYTES) {
                problems.add(whose + " variable " + variable.key() + " is " + size(bytes - variable.key().length() - 2)
                        + ": a variable in the environment is limited to " + size(MAX_VARIABLE_BYTES)
                        + " (the kernel's MAX_ARG_STRLEN, for KEY=value); make it a file variable (type File)");
            }
        }
        long total = alreadyUsed + environmentBytes(variables);
        if (total > MAX_ENVIRONMENT_BYTES) {
            problems.add(whose + " " + variables.size() + " variables take " + size(total) + " of environment: the"
                    + " total is limited to " + size(MAX_ENVIRONMENT_BYTES) + " (within the kernel's ARG_MAX);"
                    + " make the large ones file variables (type File)");
        }
    }

    private static long environmentBytes(List<JobPlan.Variable> variables) {
        Map<String, Long> last = new HashMap<>();
        for (JobPlan.Variable variable : variables) {
            if (!variable.file()) {
                last.put(variable.key(), entryBytes(variable) + 8);
            }
        }
        return last.values().stream().mapToLong(Long::longValue).sum();
    }

    /** {@code KEY=value} and its NUL, in UTF-8. */
    private static long entryBytes(JobPlan.Variable variable) {
        return utf8Length(variable.key()) + 1 + utf8Length(variable.value()) + 1;
    }

    private static void checkImage(String where, JobPlan.ImageSpec image, List<String> pullPolicy,
            List<String> problems, List<String> references) {
        String name = image.name();
        ImageReference.Parsed reference = ImageReference.parse(name);
        if (!reference.valid()) {
            references.add(where + " name " + quote(name) + " is not a valid image reference: "
                    + reference.problem());
        }
        for (String policy : pullPolicy) {
            if (!PlanRules.PULL_POLICIES.contains(policy)) {
                problems.add(where + " pull_policy " + quote(policy) + " is not one of "
                        + String.join(", ", PlanRules.PULL_POLICIES));
            }
        }
        if (image.user() != null && !USER.matcher(image.user()).matches()) {
            problems.add(where + " executor_opts.docker.user " + quote(image.user()) + " is not a user[:group]");
        }
        if (image.platform() != null && !PLATFORM.matcher(image.platform()).matches()) {
            problems.add(where + " executor_opts.docker.platform " + quote(image.platform())
                    + " is not os/arch[/variant]");
        }
    }

    private static void checkSources(GitInfo git, List<String> problems) {
        if (git == null || git.repoUrl() == null) {
            return;
        }
        String vcs = git.repoType() == null || git.repoType().isBlank() ? "git" : git.repoType();
        if (!vcs.equals("git") && !vcs.equals("hg")) {
            problems.add("git_info.repo_type " + quote(git.repoType()) + " is neither git nor hg");
        }
        // the URL carries the job token: only its scheme is ever shown
        var scheme = URL_SCHEME.matcher(git.repoUrl());
        String shown = scheme.matches() ? scheme.group(1).toLowerCase(Locale.ROOT) : "";
        if (!shown.equals("http") && !shown.equals("https")) {
            problems.add("the repository URL (git_info.repo_url) must be http or https, not "
                    + (shown.isEmpty() ? "a URL without a scheme" : quote(shown)));
        } else if (hasControl(git.repoUrl()) || git.repoUrl().chars().anyMatch(Character::isWhitespace)) {
            problems.add("the repository URL (git_info.repo_url) holds spaces or control characters");
        } else {
            try {
                if (new java.net.URI(git.repoUrl()).getHost() == null) {
                    problems.add("the repository URL (git_info.repo_url) has no host");
                }
            } catch (java.net.URISyntaxException e) {
                problems.add("the repository URL (git_info.repo_url) is not a valid URL");
            }
        }
        String revision = git.revision();
        boolean hg = vcs.equals("hg");
        if (!(hg ? PlanRules.isHgNode(revision) : PlanRules.isGitCommit(revision))) {
            problems.add((hg ? "git_info.hgsha" : "git_info.sha") + " " + quote(revision) + " is not a full "
                    + (hg ? "Mercurial changeset id (40 hex digits)" : "commit id (40 or 64 hex digits)"));
        }
        if (git.ref() != null && (git.ref().startsWith("-") || hasControl(git.ref()))) {
            problems.add("git_info.ref " + quote(git.ref()) + " must not start with '-' or hold control characters");
        }
        for (String refspec : git.refspecs()) {
            if (refspec.isEmpty() || refspec.startsWith("-") || hasControl(refspec)
                    || refspec.chars().anyMatch(Character::isWhitespace)) {
                problems.add("git_info.refspecs: " + quote(refspec) + " must not be empty, start with '-' or hold"
                        + " spaces or control characters");
            }
        }
        if (git.depth() < 0) {
            problems.add("git_info.depth is " + git.depth() + ": it must be 0 (full history) or more");
        }
    }

    static boolean hasControl(String text) {
        return text != null && text.chars().anyMatch(Character::isISOControl);
    }

    private static long utf8Length(String text) {
        long bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length()) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    /** {@code 1 MiB (1048576 bytes)}, {@code 128 KiB (131072 bytes)}, {@code 900 bytes}. */
    private static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " bytes";
        }
        String unit = bytes >= 1024 * 1024 ? String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0)
                : String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        return unit.replace(".0 ", " ") + " (" + bytes + " bytes)";
    }

    /** A payload string as a problem shows it: quoted, control characters escaped, cut when long. */
    static String quote(String text) {
        return text == null ? "(none)" : printableKey(text);
    }

    /** A key as the warning shows it: quoted, control characters escaped, cut when long. */
    private static String printableKey(String key) {
        return key == null ? "(no key)" : printable(key, 64);
    }

    /** A cache key in a warning: cut later than other texts, as Rails' keys run long (index, hash, suffix). */
    static String quoteKey(String key) {
        return printable(key, 256);
    }

    private static String printable(String text, int max) {
        StringBuilder out = new StringBuilder("'");
        for (int i = 0; i < text.length() && i < max; i++) {
            char c = text.charAt(i);
            out.append(Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return out.append(text.length() > max ? "…'" : "'").toString();
    }
}
