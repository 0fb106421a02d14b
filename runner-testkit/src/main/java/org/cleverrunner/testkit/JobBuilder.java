package org.cleverrunner.testkit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import org.cleverrunner.coordinator.payload.ArtifactSpec;
import org.cleverrunner.coordinator.payload.CacheSpec;
import org.cleverrunner.coordinator.payload.ExecutorOptions;
import org.cleverrunner.coordinator.payload.JobHook;
import org.cleverrunner.coordinator.payload.JobImage;
import org.cleverrunner.coordinator.payload.JobService;
import org.cleverrunner.coordinator.payload.JobVariable;
import org.cleverrunner.coordinator.payload.PortSpec;
import org.cleverrunner.coordinator.payload.RegistryCredential;

/**
 * A fluent builder of a realistic job payload, written the way Rails renders it: a JSON tree with Rails' own field
 * names (the fixtures under {@code org/cleverrunner/testkit/payloads/} in this artifact show the shapes), never
 * through the coordinator client's records or mapper. The job id, job token and server URL are filled in by
 * {@link FakeCoordinator#enqueue(JobBuilder)}. A builder may be enqueued several times; every enqueue creates a new
 * job. {@link #edit} changes the tree for payloads no GitLab sends.
 */
public final class JobBuilder {

    /** The failure reasons Rails lists in {@code features.failure_reasons} (Enums::Ci::CommitStatus). */
    public static final List<String> RAILS_FAILURE_REASONS = List.of(
            "unknown_failure", "script_failure", "api_failure", "stuck_or_timeout_failure", "runner_system_failure",
            "missing_dependency_failure", "runner_unsupported", "stale_schedule", "job_execution_timeout",
            "archived_failure", "unmet_prerequisites", "scheduler_failure", "data_integrity_failure",
            "forward_deployment_failure", "user_blocked", "project_deleted", "ci_quota_exceeded",
            "pipeline_loop_detected", "no_matching_runner", "trace_size_exceeded", "builds_disabled",
            "environment_creation_failure", "deployment_rejected", "failed_outdated_deployment_job",
            "job_execution_server_timeout", "runner_configuration_error", "runner_external_dependency_failure",
            "runner_interrupted");

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private String stage = "test";
    private List<String> script = List.of("echo hello");
    private List<String> afterScript = List.of();
    private JobImage image;
    private final List<JobService> services = new ArrayList<>();
    private final List<JobVariable> variables = new ArrayList<>();
    private final List<ArtifactSpec> artifacts = new ArrayList<>();
    private final List<CacheSpec> cache = new ArrayList<>();
    private final List<JobHandle> dependencies = new ArrayList<>();
    private final List<RegistryCredential> credentials = new ArrayList<>();
    private final List<JobHook> hooks = new ArrayList<>();
    private final Set<String> tags = new LinkedHashSet<>();
    private final List<Consumer<ObjectNode>> edits = new ArrayList<>();
    private long timeoutSeconds = 3600;
    private String repoUrl;
    private String sha;
    private String beforeSha = "0000000000000000000000000000000000000000";
    private String ref = "main";
    private String refType = "branch";
    private String repoType;
    private String hgsha;
    private int depth = 20;
    private List<String> refspecs;
    private String projectPath = "group/project";
    private long projectId = 1;
    private Long pipelineId;
    private Integer archiveFinalUpdates;

    JobBuilder(String name) {
        this.name = requireText(name, "name");
    }

    public String name() {
        return name;
    }

    public JobBuilder stage(String stage) {
        this.stage = requireText(stage, "stage");
        return this;
    }

    /** The {@code script} step's lines (sent with {@code when: on_success}). */
    public JobBuilder script(String... lines) {
        this.script = List.of(lines);
        return this;
    }

    /** The {@code after_script} step's lines (sent with {@code when: always, allow_failure: true}). */
    public JobBuilder afterScript(String... lines) {
        this.afterScript = List.of(lines);
        return this;
    }

    public JobBuilder image(String name) {
        this.image = new JobImage(requireText(name, "image"), null, null, null, null, null);
        return this;
    }

    public JobBuilder image(JobImage image) {
        this.image = Objects.requireNonNull(image, "image");
        return this;
    }

    public JobBuilder service(String name) {
        return service(name, null, null, null, Map.of());
    }

    public JobBuilder service(String name, String alias) {
        return service(name, alias, null, null, Map.of());
    }

    /** A service; {@code command} and {@code entrypoint} may be null. */
    public JobBuilder service(String name, String alias, List<String> command, List<String> entrypoint,
                              Map<String, String> variables) {
        List<JobService.ServiceVariable> vars = new ArrayList<>();
        variables.forEach((k, v) -> vars.add(new JobService.ServiceVariable(k, v)));
        services.add(new JobService(requireText(name, "service"), entrypoint, command, alias, List.of(), vars, null, null));
        return this;
    }

    public JobBuilder service(JobService service) {
        services.add(Objects.requireNonNull(service, "service"));
        return this;
    }

    /** A project variable (public false, not masked), as Rails sends CI/CD variables. */
    public JobBuilder variable(String key, String value) {
        return variable(new JobVariable(key, value, false, false, false, false));
    }

    public JobBuilder maskedVariable(String key, String value) {
        return variable(new JobVariable(key, value, false, true, false, false));
    }

    public JobBuilder fileVariable(String key, String value) {
        return variable(new JobVariable(key, value, false, false, true, false));
    }

    public JobBuilder rawVariable(String key, String value) {
        return variable(new JobVariable(key, value, false, false, false, true));
    }

    public JobBuilder variable(JobVariable variable) {
        variables.add(Objects.requireNonNull(variable, "variable"));
        return this;
    }

    /** An {@code archive}/{@code zip} artifact of these paths, uploaded on success, expiring in 1 week. */
    public JobBuilder artifacts(String... paths) {
        return artifact(new ArtifactSpec(null, false, List.of(paths), null, "on_success", "1 week", "archive", "zip"));
    }

    public JobBuilder artifact(ArtifactSpec spec) {
        artifacts.add(Objects.requireNonNull(spec, "spec"));
        return this;
    }

    /**
     * A pull-push cache of these paths. Like Rails, the key gets a {@code -non_protected} suffix
     * (use {@link #cache(CacheSpec)} to send a key verbatim).
     */
    public JobBuilder cache(String key, String... paths) {
        return cache(new CacheSpec(key + "-non_protected", false, List.of(paths), "pull-push", "on_success", List.of()));
    }

    public JobBuilder cache(CacheSpec spec) {
        cache.add(Objects.requireNonNull(spec, "spec"));
        return this;
    }

    /**
     * A dependency on an earlier job: the payload lists it with this job's token (as Rails does) and, if the
     * dependency has an archive artifact when this job is handed out, its {@code artifacts_file}.
     */
    public JobBuilder dependency(JobHandle job) {
        dependencies.add(Objects.requireNonNull(job, "job"));
        return this;
    }

    public JobBuilder tags(String... tags) {
        this.tags.addAll(Arrays.asList(tags));
        return this;
    }

    public JobBuilder timeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive");
        }
        this.timeoutSeconds = timeout.toSeconds();
        return this;
    }

    /** The repository URL without credentials; http(s) URLs get {@code gitlab-ci-token:<job token>@} embedded. */
    /**
     * Makes this a Heptapod Mercurial job: {@code git_info.repo_type = "hg"} and {@code hgsha} = the changeset.
     * Set the ref with {@link #ref(String)} as Heptapod names it ({@code branch/default}, {@code topic/default/t}).
     */
    public JobBuilder mercurial(String hgChangeset) {
        this.repoType = "hg";
        this.hgsha = hgChangeset;
        return this;
    }

    public JobBuilder repoUrl(String repoUrl) {
        this.repoUrl = requireText(repoUrl, "repoUrl");
        return this;
    }

    public JobBuilder sha(String sha) {
        this.sha = requireText(sha, "sha");
        return this;
    }

    public JobBuilder beforeSha(String beforeSha) {
        this.beforeSha = requireText(beforeSha, "beforeSha");
        return this;
    }

    /** A branch ref. */
    public JobBuilder ref(String branch) {
        this.ref = requireText(branch, "ref");
        this.refType = "branch";
        return this;
    }

    /** A tag ref. */
    public JobBuilder tagRef(String tag) {
        this.ref = requireText(tag, "tag");
        this.refType = "tag";
        return this;
    }

    /** {@code git_info.depth}: the shallow-clone depth GitLab asks for (default 20, 0 for the full history). */
    public JobBuilder depth(int depth) {
        this.depth = depth;
        return this;
    }

    /**
     * {@code git_info.refspecs}, replacing GitLab's default pair ({@code refs/pipelines/<id>} and the ref's branch or
     * tag), e.g. for a repository that has no pipeline refs.
     */
    public JobBuilder refspecs(String... refspecs) {
        for (String refspec : refspecs) {
            requireText(refspec, "refspec");
        }
        this.refspecs = List.of(refspecs);
        return this;
    }

    /** The project's full path, e.g. {@code group/project}. */
    public JobBuilder project(long projectId, String fullPath) {
        this.projectId = projectId;
        this.projectPath = requireText(fullPath, "fullPath");
        return this;
    }

    public JobBuilder pipelineId(long pipelineId) {
        this.pipelineId = pipelineId;
        return this;
    }

    public JobBuilder credential(RegistryCredential credential) {
        credentials.add(Objects.requireNonNull(credential, "credential"));
        return this;
    }

    public JobBuilder hook(String name, String... script) {
        hooks.add(new JobHook(name, List.of(script)));
        return this;
    }

    /** The first {@code n} final-state PUTs of this job answer 202 before the final one is accepted. */
    public JobBuilder archiveFinalUpdates(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0");
        }
        this.archiveFinalUpdates = n;
        return this;
    }

    Set<String> tagSet() {
        return Set.copyOf(tags);
    }

    List<JobHandle> dependencyHandles() {
        return List.copyOf(dependencies);
    }

    Integer archiveFinalUpdatesOverride() {
        return archiveFinalUpdates;
    }

    /**
     * Edits the payload as the fake will serve it, after everything else is filled in: a tree with Rails' field
     * names ({@code job_info}, {@code git_info}, {@code steps}…, see the fixtures under
     * {@code org/cleverrunner/testkit/payloads/}), for payloads no GitLab sends: broken, incomplete or hostile.
     * Edits run in order at enqueue time; the job id and token are already in the tree.
     */
    public JobBuilder edit(Consumer<ObjectNode> edit) {
        edits.add(Objects.requireNonNull(edit, "edit"));
        return this;
    }

    /**
     * Builds the payload as Rails' {@code API::Entities::Ci::JobRequest::Response} renders it, field by field with
     * Rails' names, without the client's records or mapper (so a wrong name in the client cannot hide here).
     * {@code serverUrl} has no trailing slash; {@code startedAt} is {@code CI_JOB_STARTED_AT}. Dependencies are listed
     * without {@code artifacts_file}, which {@link #withDependencies} adds when the job is handed out.
     */
    ObjectNode build(long id, String token, String serverUrl, long defaultPipelineId, Instant startedAt) {
        long pipeline = pipelineId != null ? pipelineId : defaultPipelineId;
        String commit = sha != null ? sha : HexFormat.of().formatHex(randomBytes(20));
        String projectName = projectPath.substring(projectPath.lastIndexOf('/') + 1);
        String namespace = projectPath.contains("/") ? projectPath.substring(0, projectPath.lastIndexOf('/')) : "";
        String plainRepoUrl = repoUrl != null ? repoUrl : serverUrl + "/" + projectPath + ".git";
        String repoWithToken = withCredentials(plainRepoUrl, token);
        URI server = URI.create(serverUrl);
        int port = server.getPort() >= 0 ? server.getPort() : "https".equals(server.getScheme()) ? 443 : 80;
        String projectUrl = serverUrl + "/" + projectPath;

        ObjectNode job = JSON.createObjectNode();
        job.put("id", id);
        job.put("token", token);
        job.put("allow_git_fetch", true);

        ObjectNode info = job.putObject("job_info");
        info.put("id", id);
        info.put("name", name);
        info.put("stage", stage);
        info.put("pipeline_id", pipeline);
        info.put("project_id", projectId);
        info.put("project_name", projectName);
        info.put("project_full_path", projectPath);
        info.put("namespace_id", 1);
        info.put("root_namespace_id", 1);
        info.put("organization_id", 1);
        info.putNull("instance_id");
        info.putNull("instance_uuid");
        info.put("user_id", 1);
        info.putNull("scoped_user_id");
        info.put("time_in_queue_seconds", 0.5);
        info.put("project_jobs_running_on_instance_runners_count", "0");
        info.put("queue_size", 0);
        info.put("queue_depth", 0);

        ObjectNode git = job.putObject("git_info");
        git.put("repo_url", repoWithToken);
        git.put("ref", ref);
        git.put("sha", commit);
        git.put("before_sha", beforeSha);
        git.put("ref_type", refType);
        ArrayNode specs = git.putArray("refspecs");
        if (this.refspecs != null) {
            this.refspecs.forEach(specs::add);
        } else {
            specs.add("+refs/pipelines/" + pipeline + ":refs/pipelines/" + pipeline);
            specs.add("tag".equals(refType)
                    ? "+refs/tags/" + ref + ":refs/tags/" + ref
                    : "+refs/heads/" + ref + ":refs/remotes/origin/" + ref);
        }
        git.put("depth", depth);
        git.put("repo_object_format", "sha1");
        git.put("protected", false);
        if (repoType != null) {
            // Heptapod's additions for Mercurial projects
            git.put("repo_type", repoType);
            git.put("hgsha", hgsha);
        }

        ObjectNode runnerInfo = job.putObject("runner_info");
        runnerInfo.put("timeout", timeoutSeconds);
        runnerInfo.putNull("runner_session_url");

        ArrayNode vars = job.putArray("variables");
        pub(vars, "CI_PIPELINE_ID", Long.toString(pipeline));
        pub(vars, "CI_PIPELINE_URL", projectUrl + "/-/pipelines/" + pipeline);
        pub(vars, "CI_JOB_ID", Long.toString(id));
        pub(vars, "CI_JOB_URL", projectUrl + "/-/jobs/" + id);
        variable(vars, "CI_JOB_TOKEN", token, false, true, false, false);
        pub(vars, "CI_JOB_STARTED_AT", startedAt.truncatedTo(ChronoUnit.SECONDS).toString());
        pub(vars, "CI_JOB_NAME", name);
        pub(vars, "CI_JOB_NAME_SLUG", slug(name));
        pub(vars, "CI_JOB_STAGE", stage);
        pub(vars, "CI_JOB_TIMEOUT", Long.toString(timeoutSeconds));
        variable(vars, "CI_REGISTRY_USER", "gitlab-ci-token", true, false, false, false);
        variable(vars, "CI_REGISTRY_PASSWORD", token, false, true, false, false);
        variable(vars, "CI_REPOSITORY_URL", repoWithToken, false, false, false, false);
        variable(vars, "CI_DEPENDENCY_PROXY_USER", "gitlab-ci-token", true, false, false, false);
        variable(vars, "CI_DEPENDENCY_PROXY_PASSWORD", token, false, true, false, false);
        pub(vars, "CI", "true");
        pub(vars, "GITLAB_CI", "true");
        pub(vars, "CI_SERVER_URL", serverUrl);
        pub(vars, "CI_SERVER_HOST", server.getHost());
        pub(vars, "CI_SERVER_PORT", Integer.toString(port));
        pub(vars, "CI_SERVER_PROTOCOL", server.getScheme());
        pub(vars, "CI_SERVER_NAME", "GitLab");
        pub(vars, "CI_SERVER_VERSION", "17.0.0");
        pub(vars, "CI_API_V4_URL", serverUrl + "/api/v4");
        pub(vars, "CI_PROJECT_ID", Long.toString(projectId));
        pub(vars, "CI_PROJECT_NAME", projectName);
        pub(vars, "CI_PROJECT_PATH", projectPath);
        pub(vars, "CI_PROJECT_PATH_SLUG", slug(projectPath));
        pub(vars, "CI_PROJECT_NAMESPACE", namespace);
        pub(vars, "CI_PROJECT_URL", projectUrl);
        pub(vars, "CI_PROJECT_VISIBILITY", "private");
        pub(vars, "CI_DEFAULT_BRANCH", "main");
        pub(vars, "CI_PIPELINE_IID", Long.toString(pipeline));
        pub(vars, "CI_PIPELINE_SOURCE", "push");
        pub(vars, "CI_CONFIG_PATH", ".gitlab-ci.yml");
        pub(vars, "CI_COMMIT_SHA", commit);
        pub(vars, "CI_COMMIT_SHORT_SHA", commit.substring(0, Math.min(8, commit.length())));
        pub(vars, "CI_COMMIT_BEFORE_SHA", beforeSha);
        pub(vars, "CI_COMMIT_REF_NAME", ref);
        pub(vars, "CI_COMMIT_REF_SLUG", slug(ref));
        if ("tag".equals(refType)) {
            pub(vars, "CI_COMMIT_TAG", ref);
        } else {
            pub(vars, "CI_COMMIT_BRANCH", ref);
        }
        pub(vars, "CI_COMMIT_MESSAGE", "Commit for " + name);
        pub(vars, "GITLAB_USER_ID", "1");
        pub(vars, "GITLAB_USER_LOGIN", "root");
        for (JobVariable v : variables) {
            variable(vars, v.key(), v.value(), v.isPublic(), v.masked(), v.file(), v.raw());
        }

        ArrayNode steps = job.putArray("steps");
        step(steps, "script", script, timeoutSeconds, "on_success", false);
        if (!afterScript.isEmpty()) {
            step(steps, "after_script", afterScript, timeoutSeconds, "always", true);
        }
        if (!hooks.isEmpty()) {
            // newer GitLab versions (hooks: pre_get_sources_script…)
            ArrayNode hookArray = job.putArray("hooks");
            for (JobHook hook : hooks) {
                ObjectNode h = hookArray.addObject();
                h.put("name", hook.name());
                strings(h.putArray("script"), hook.script());
            }
        }

        if (image == null) {
            job.putNull("image");
        } else {
            ObjectNode i = job.putObject("image");
            imageFields(i, image.name(), image.entrypoint(), image.ports(), image.executorOpts(), image.pullPolicy());
        }
        ArrayNode serviceArray = job.putArray("services");
        for (JobService service : services) {
            ObjectNode sv = serviceArray.addObject();
            imageFields(sv, service.name(), service.entrypoint(), service.ports(), service.executorOpts(),
                    service.pullPolicy());
            if (service.alias() == null) {
                sv.putNull("alias");
            } else {
                sv.put("alias", service.alias());
            }
            if (service.command().isEmpty()) {
                sv.putNull("command");
            } else {
                strings(sv.putArray("command"), service.command());
            }
            ArrayNode serviceVars = sv.putArray("variables");
            for (JobService.ServiceVariable v : service.variables()) {
                serviceVars.addObject().put("key", v.key()).put("value", v.value());
            }
        }

        ArrayNode artifactArray = job.putArray("artifacts");
        for (ArtifactSpec a : artifacts) {
            ObjectNode an = artifactArray.addObject();
            an.put("name", a.name());
            an.put("untracked", a.untracked());
            strings(an.putArray("paths"), a.paths());
            if (!a.exclude().isEmpty()) {
                strings(an.putArray("exclude"), a.exclude());
            }
            an.put("when", a.when());
            an.put("expire_in", a.expireIn());
            an.put("artifact_type", a.artifactType());
            an.put("artifact_format", a.artifactFormat());
        }
        ArrayNode cacheArray = job.putArray("cache");
        for (CacheSpec c : cache) {
            ObjectNode cn = cacheArray.addObject();
            cn.put("key", c.key());
            cn.put("untracked", c.untracked());
            cn.put("policy", c.policy());
            strings(cn.putArray("paths"), c.paths());
            cn.put("when", c.when());
            strings(cn.putArray("fallback_keys"), c.fallbackKeys());
        }
        ArrayNode credentialArray = job.putArray("credentials");
        for (RegistryCredential c : credentials) {
            credentialArray.addObject().put("type", c.type()).put("url", c.url()).put("username", c.username())
                    .put("password", c.password());
        }
        ObjectNode features = job.putObject("features");
        features.put("trace_sections", true);
        strings(features.putArray("failure_reasons"), RAILS_FAILURE_REASONS);
        ArrayNode deps = job.putArray("dependencies");
        for (JobHandle dep : dependencies) {
            deps.addObject().put("id", dep.id()).put("name", dep.name()).put("token", token);
        }
        for (Consumer<ObjectNode> edit : edits) {
            edit.accept(job);
        }
        return job;
    }

    /**
     * A copy of {@code payload} whose {@code dependencies} list {@code handles} with the running job's token and, for
     * those that have an archive artifact, its {@code artifacts_file}, as Rails renders them when the job is handed
     * out. The payload itself is returned when the job has no dependencies.
     */
    static ObjectNode withDependencies(ObjectNode payload, String token, List<JobHandle> handles,
            Function<JobHandle, StoredArtifact> archives) {
        if (handles.isEmpty()) {
            return payload;
        }
        ObjectNode copy = payload.deepCopy();
        ArrayNode deps = copy.putArray("dependencies");
        for (JobHandle handle : handles) {
            ObjectNode dep = deps.addObject().put("id", handle.id()).put("name", handle.name()).put("token", token);
            StoredArtifact archive = archives.apply(handle);
            if (archive != null) {
                dep.putObject("artifacts_file").put("filename", archive.filename()).put("size", archive.size());
            }
        }
        return copy;
    }

    /** The fields {@code API::Entities::Ci::JobRequest::Image} exposes, which Service extends. */
    private static void imageFields(ObjectNode node, String name, List<String> entrypoint, List<PortSpec> ports,
            ExecutorOptions executorOpts, List<String> pullPolicy) {
        node.put("name", name);
        if (entrypoint.isEmpty()) {
            node.putNull("entrypoint");
        } else {
            strings(node.putArray("entrypoint"), entrypoint);
        }
        ArrayNode portArray = node.putArray("ports");
        for (PortSpec port : ports) {
            portArray.addObject().put("number", port.number()).put("protocol", port.protocol())
                    .put("name", port.name());
        }
        ObjectNode opts = node.putObject("executor_opts");
        if (executorOpts != null && executorOpts.docker() != null) {
            ObjectNode docker = opts.putObject("docker");
            if (executorOpts.docker().platform() != null) {
                docker.put("platform", executorOpts.docker().platform());
            }
            if (executorOpts.docker().user() != null) {
                docker.put("user", executorOpts.docker().user());
            }
        }
        if (pullPolicy.isEmpty()) {
            node.putNull("pull_policy");
        } else {
            strings(node.putArray("pull_policy"), pullPolicy);
        }
    }

    private static void step(ArrayNode steps, String name, List<String> script, long timeout, String when,
            boolean allowFailure) {
        ObjectNode step = steps.addObject();
        step.put("name", name);
        strings(step.putArray("script"), script);
        step.put("timeout", timeout);
        step.put("when", when);
        step.put("allow_failure", allowFailure);
    }

    private static void strings(ArrayNode array, List<String> values) {
        values.forEach(array::add);
    }

    /** As Rails' {@code to_runner_variable}: {@code file} and {@code raw} only when true. */
    private static void variable(ArrayNode vars, String key, String value, boolean isPublic, boolean masked,
            boolean file, boolean raw) {
        ObjectNode v = vars.addObject();
        v.put("key", key);
        v.put("value", value);
        v.put("public", isPublic);
        v.put("masked", masked);
        if (file) {
            v.put("file", true);
        }
        if (raw) {
            v.put("raw", true);
        }
    }

    private static void pub(ArrayNode vars, String key, String value) {
        variable(vars, key, value, true, false, false, false);
    }

    static String withCredentials(String url, String token) {
        int scheme = url.indexOf("://");
        if (scheme < 0 || !(url.startsWith("http://") || url.startsWith("https://"))) {
            return url;
        }
        String rest = url.substring(scheme + 3);
        int at = rest.indexOf('@');
        int slash = rest.indexOf('/');
        if (at >= 0 && (slash < 0 || at < slash)) {
            rest = rest.substring(at + 1);
        }
        return url.substring(0, scheme + 3) + "gitlab-ci-token:" + token + "@" + rest;
    }

    static String slug(String value) {
        String slug = value.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]", "-");
        if (slug.length() > 63) {
            slug = slug.substring(0, 63);
        }
        return slug.replaceAll("^-+|-+$", "");
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    private static String requireText(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank");
        }
        return value;
    }
}
