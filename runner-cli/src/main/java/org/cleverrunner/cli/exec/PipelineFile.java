package org.cleverrunner.cli.exec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.cleverrunner.cli.exec.YamlTree.Mapping;
import org.cleverrunner.cli.exec.YamlTree.Scalar;
import org.cleverrunner.cli.exec.YamlTree.Sequence;
import org.cleverrunner.cli.exec.YamlTree.Value;
import org.cleverrunner.spi.JobPlan;

/**
 * A local {@code .gitlab-ci.yml}, read the way GitLab reads it for the part exec supports: global and
 * {@code default:} keywords, hidden jobs and {@code extends} (hashes deep-merged, arrays replaced), and each job's
 * image, services, variables, scripts, cache, artifacts and timeout. A keyword exec cannot honour is an error naming
 * it and its line rather than being silently dropped: running a job differently from GitLab would be worse than not
 * running it.
 *
 * @param file the file's name as the user gave it, for messages
 * @param stages the declared stages (GitLab's defaults when absent)
 * @param variables the global {@code variables}
 * @param jobs the visible jobs, resolved, in file order
 */
public record PipelineFile(String file, List<String> stages, List<JobPlan.Variable> variables, Map<String, Job> jobs) {

    static final List<String> DEFAULT_STAGES = List.of(".pre", "build", "test", "deploy", ".post");

    /** Global keywords that {@code default:} also takes (the top-level forms are GitLab's deprecated ones). */
    private static final Set<String> DEFAULT_KEYWORDS = Set.of("image", "services", "before_script", "after_script",
            "cache", "artifacts", "timeout", "tags", "interruptible");
    private static final Set<String> JOB_KEYWORDS = Set.of("stage", "image", "services", "variables",
            "before_script", "script", "after_script", "cache", "artifacts", "timeout", "tags", "allow_failure",
            "when", "extends", "interruptible", "coverage", "dependencies", "start_in");
    /** GitLab keywords that exist but that exec cannot honour for one local job. */
    private static final Set<String> UNSUPPORTED = Set.of("include", "rules", "only", "except", "needs", "trigger",
            "parallel", "retry", "environment", "release", "pages", "inherit", "resource_group", "secrets",
            "id_tokens", "hooks", "identity", "dast_configuration", "manual_confirmation", "run", "spec", "publish");

    public PipelineFile {
        stages = List.copyOf(stages);
        variables = List.copyOf(variables);
        jobs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(jobs));
    }

    /**
     * One job, with {@code extends} and {@code default:} applied.
     *
     * @param timeout null when the file sets none
     * @param notes what exec ignores in this job and why, one line each
     */
    public record Job(String name, int line, String stage, JobPlan.ImageSpec image,
            List<JobPlan.ServiceSpec> services, List<JobPlan.Variable> variables, List<String> beforeScript,
            List<String> script, List<String> afterScript, List<JobPlan.CacheRule> caches,
            List<JobPlan.ArtifactRule> artifacts, Duration timeout, boolean allowFailure, String when,
            List<String> notes) {
        public Job {
            services = List.copyOf(services);
            variables = List.copyOf(variables);
            beforeScript = List.copyOf(beforeScript);
            script = List.copyOf(script);
            afterScript = List.copyOf(afterScript);
            caches = List.copyOf(caches);
            artifacts = List.copyOf(artifacts);
            notes = List.copyOf(notes);
        }
    }

    public static PipelineFile read(Path path, String displayName) {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new PipelineException(displayName, 0, "no such file (run exec in the project's directory or "
                    + "give --file)");
        } catch (IOException e) {
            throw new PipelineException(displayName, 0, "cannot read: " + e.getMessage());
        }
        return parse(text, displayName);
    }

    public static PipelineFile parse(String text, String file) {
        return new Reader(file).read(YamlTree.parse(text, file));
    }

    /** The job with this name, or an error listing the jobs there are. */
    public Job job(String name) {
        Job job = jobs.get(name);
        if (job == null) {
            String known = jobs.isEmpty() ? "it defines no job" : "its jobs are: " + String.join(", ", jobs.keySet());
            throw new PipelineException(file, 0, "no job '" + name + "'; " + known);
        }
        return job;
    }

    /** Reads the tree; one instance per file. */
    private static final class Reader {
        private final String file;
        private final Map<String, Mapping> definitions = new LinkedHashMap<>();
        private final Map<String, Mapping> resolved = new LinkedHashMap<>();
        /** Where each job's name is: its mapping's own mark is the line of its first keyword. */
        private final Map<String, Integer> nameLines = new LinkedHashMap<>();

        Reader(String file) {
            this.file = file;
        }

        PipelineFile read(Value root) {
            Mapping top = mapping(root, "the file");
            Mapping globals = new Mapping(new LinkedHashMap<>(), new LinkedHashMap<>(), top.line());
            Mapping defaults = new Mapping(new LinkedHashMap<>(), new LinkedHashMap<>(), top.line());
            List<String> stages = DEFAULT_STAGES;
            List<JobPlan.Variable> variables = List.of();
            List<String> visible = new ArrayList<>();
            for (Map.Entry<String, Value> entry : top.entries().entrySet()) {
                String key = entry.getKey();
                Value value = entry.getValue();
                int line = top.lineOf(key);
                switch (key) {
                    case "include", "spec" -> throw error(line, "'" + key + "' is not supported by exec: run it on "
                            + "a single file");
                    case "workflow" -> {
                        // pipeline-level rules decide whether a pipeline is created; exec runs one job explicitly
                    }
                    case "stages", "types" -> stages = strings(value, "stages");
                    case "variables" -> variables = variables(value, "global variables");
                    case "image", "services", "before_script", "after_script", "cache" -> {
                        globals.entries().put(key, value);
                        globals.keyLines().put(key, line);
                    }
                    case "default" -> {
                        defaults = mapping(value, "default");
                        for (String keyword : defaults.entries().keySet()) {
                            if (!DEFAULT_KEYWORDS.contains(keyword)) {
                                throw unknown(defaults.lineOf(keyword), "default", keyword);
                            }
                        }
                    }
                    default -> {
                        if (key.startsWith(".")) {
                            if (value instanceof Mapping template) {
                                definitions.put(key, template); // hidden: only for extends (or anchors)
                            }
                        } else if (value instanceof Mapping job) {
                            definitions.put(key, job);
                            nameLines.put(key, line);
                            visible.add(key);
                        } else {
                            throw error(line, "top-level key '" + key + "' is neither a keyword nor a job "
                                    + "(a job is a mapping with a script)");
                        }
                    }
                }
            }
            Map<String, Job> jobs = new LinkedHashMap<>();
            for (String name : visible) {
                jobs.put(name, job(name, resolve(name, new ArrayList<>()), defaults, globals, stages));
            }
            return new PipelineFile(file, stages, variables, jobs);
        }

        // ---------------------------------------------------------------- extends

        /** The job's definition with its {@code extends} chain merged in, GitLab's way. */
        private Mapping resolve(String name, List<String> chain) {
            Mapping done = resolved.get(name);
            if (done != null) {
                return done;
            }
            Mapping definition = definitions.get(name);
            if (chain.contains(name)) {
                chain.add(name);
                throw error(definition.lineOf("extends"), "circular extends: " + String.join(" -> ", chain));
            }
            chain.add(name);
            Optional<Value> extendsValue = definition.get("extends");
            Mapping result = definition;
            if (extendsValue.isPresent()) {
                Mapping base = null;
                for (String parent : strings(extendsValue.get(), "job '" + name + "' extends")) {
                    if (!definitions.containsKey(parent)) {
                        throw error(definition.lineOf("extends"), "job '" + name + "' extends '" + parent
                                + "', which is not defined (or is not a mapping)");
                    }
                    Mapping parentResolved = resolve(parent, new ArrayList<>(chain));
                    base = base == null ? parentResolved : deepMerge(base, parentResolved);
                }
                result = base == null ? definition : deepMerge(base, definition);
                result.entries().remove("extends");
            }
            resolved.put(name, result);
            return result;
        }

        /** GitLab's extends merge: hashes merge key by key, recursively; anything else from {@code over} replaces. */
        private static Mapping deepMerge(Mapping base, Mapping over) {
            LinkedHashMap<String, Value> entries = new LinkedHashMap<>(base.entries());
            Map<String, Integer> lines = new LinkedHashMap<>(base.keyLines());
            over.entries().forEach((key, value) -> {
                Value old = entries.get(key);
                entries.put(key, old instanceof Mapping oldMap && value instanceof Mapping newMap
                        ? deepMerge(oldMap, newMap) : value);
                lines.put(key, over.lineOf(key));
            });
            return new Mapping(entries, lines, over.line());
        }

        // ---------------------------------------------------------------- jobs

        private Job job(String name, Mapping job, Mapping defaults, Mapping globals, List<String> stages) {
            String what = "job '" + name + "'";
            List<String> notes = new ArrayList<>();
            for (String keyword : job.entries().keySet()) {
                if (!JOB_KEYWORDS.contains(keyword)) {
                    throw unknown(job.lineOf(keyword), what, keyword);
                }
            }
            Optional<Value> scriptValue = job.get("script").filter(v -> !(v instanceof Scalar s && s.isNull()));
            if (scriptValue.isEmpty()) {
                throw error(nameLines.get(name), what + " has no script");
            }
            String stage = job.get("stage").map(v -> string(v, what + " stage")).orElse("test");
            if (!stages.contains(stage)) {
                throw error(job.lineOf("stage"), what + " has stage '" + stage + "', which is not in stages "
                        + stages);
            }
            for (String ignored : List.of("tags", "interruptible", "coverage", "dependencies", "start_in")) {
                if (job.entries().containsKey(ignored) || "tags".equals(ignored) && defaults.get("tags").isPresent()) {
                    notes.add("'" + ignored + "' " + (ignored.equals("dependencies")
                            ? "is ignored: exec runs one job, other jobs' artifacts are not downloaded"
                            : "is ignored by exec"));
                }
            }
            String when = job.get("when").map(v -> string(v, what + " when")).orElse("on_success");
            if (!Set.of("on_success", "on_failure", "always", "manual", "delayed", "never").contains(when)) {
                throw error(job.lineOf("when"), what + " has when: " + when
                        + " (on_success, on_failure, always, manual, delayed or never)");
            }
            if (!when.equals("on_success") && !when.equals("always")) {
                notes.add("when: " + when + " is ignored: exec runs the job because you asked for it");
            }
            boolean allowFailure = job.get("allow_failure").map(v -> allowFailure(v, what)).orElse(false);

            Value image = inherited("image", job, defaults, globals);
            Value services = inherited("services", job, defaults, globals);
            Value before = inherited("before_script", job, defaults, globals);
            Value after = inherited("after_script", job, defaults, globals);
            Value cache = inherited("cache", job, defaults, globals);
            Value artifacts = inherited("artifacts", job, defaults, null);
            Value timeout = inherited("timeout", job, defaults, null);
            return new Job(name, nameLines.get(name), stage,
                    image == null ? null : image(image, what),
                    services == null ? List.of() : services(services, what),
                    job.get("variables").map(v -> variables(v, what + " variables")).orElse(List.of()),
                    before == null ? List.of() : script(before, what + " before_script"),
                    script(scriptValue.get(), what + " script"),
                    after == null ? List.of() : script(after, what + " after_script"),
                    cache == null ? List.of() : caches(cache, what),
                    artifacts == null ? List.of() : artifacts(artifacts, what),
                    timeout == null ? null : timeout(timeout, what),
                    allowFailure, when, notes);
        }

        /** The job's own value, else {@code default:}'s, else the deprecated top-level one; null (YAML) is none. */
        private static Value inherited(String key, Mapping job, Mapping defaults, Mapping globals) {
            for (Mapping source : new Mapping[] {job, defaults, globals}) {
                if (source != null && source.entries().containsKey(key)) {
                    Value value = source.entries().get(key);
                    return value instanceof Scalar scalar && scalar.isNull() ? null : value;
                }
            }
            return null;
        }

        private boolean allowFailure(Value value, String what) {
            if (value instanceof Scalar scalar && "bool".equals(scalar.tag())) {
                return Boolean.parseBoolean(scalar.value());
            }
            if (value instanceof Mapping mapping && mapping.entries().keySet().equals(Set.of("exit_codes"))) {
                return true; // exec reports the exit code either way
            }
            throw error(value.line(), what + " allow_failure must be true, false or {exit_codes: ...}");
        }

        private JobPlan.ImageSpec image(Value value, String what) {
            if (value instanceof Scalar) {
                return JobPlan.ImageSpec.of(string(value, what + " image"));
            }
            Mapping image = mapping(value, what + " image");
            allowOnly(image, what + " image", "name", "entrypoint", "pull_policy", "docker");
            String user = null;
            String platform = null;
            Optional<Value> docker = image.get("docker");
            if (docker.isPresent()) {
                Mapping options = mapping(docker.get(), what + " image:docker");
                allowOnly(options, what + " image:docker", "user", "platform");
                user = options.get("user").map(v -> string(v, what + " image:docker:user")).orElse(null);
                platform = options.get("platform").map(v -> string(v, what + " image:docker:platform")).orElse(null);
            }
            return new JobPlan.ImageSpec(required(image, "name", what + " image"),
                    image.get("entrypoint").map(v -> texts(v, what + " image:entrypoint")).orElse(List.of()),
                    image.get("pull_policy").map(v -> strings(v, what + " image:pull_policy")).orElse(List.of()),
                    user, platform);
        }

        private List<JobPlan.ServiceSpec> services(Value value, String what) {
            List<JobPlan.ServiceSpec> services = new ArrayList<>();
            for (Value item : sequence(value, what + " services").items()) {
                if (item instanceof Scalar) {
                    services.add(JobPlan.ServiceSpec.of(string(item, what + " service")));
                    continue;
                }
                Mapping service = mapping(item, what + " service");
                allowOnly(service, what + " service", "name", "alias", "entrypoint", "command", "variables",
                        "pull_policy");
                List<String> aliases = new ArrayList<>();
                service.get("alias").ifPresent(alias -> {
                    // GitLab accepts several aliases separated by commas or spaces
                    for (String one : string(alias, what + " service alias").split("[,\\s]+")) {
                        if (!one.isEmpty()) {
                            aliases.add(one);
                        }
                    }
                });
                services.add(new JobPlan.ServiceSpec(required(service, "name", what + " service"), aliases,
                        service.get("entrypoint").map(v -> texts(v, what + " service entrypoint")).orElse(List.of()),
                        service.get("command").map(v -> texts(v, what + " service command")).orElse(List.of()),
                        service.get("variables").map(v -> variables(v, what + " service variables")).orElse(List.of()),
                        service.get("pull_policy").map(v -> strings(v, what + " service pull_policy"))
                                .orElse(List.of())));
            }
            return services;
        }

        private List<JobPlan.Variable> variables(Value value, String what) {
            if (value instanceof Scalar scalar && scalar.isNull()) {
                return List.of();
            }
            Mapping mapping = mapping(value, what);
            List<JobPlan.Variable> variables = new ArrayList<>();
            mapping.entries().forEach((key, item) -> {
                if (!org.cleverrunner.core.Variables.isValidKey(key)) {
                    throw error(mapping.lineOf(key), what + ": '" + key + "' is not a valid variable name "
                            + "([A-Za-z_][A-Za-z0-9_]*)");
                }
                if (item instanceof Mapping full) {
                    allowOnly(full, what + " " + key, "value", "description", "expand", "options");
                    String text = full.get("value").map(v -> scalarText(v, what + " " + key)).orElse("");
                    boolean raw = full.get("expand").map(v -> "false".equals(scalarText(v, what + " " + key)))
                            .orElse(false);
                    variables.add(new JobPlan.Variable(key, text, false, false, raw));
                } else {
                    variables.add(JobPlan.Variable.of(key, scalarText(item, what + " " + key)));
                }
            });
            return variables;
        }

        /** A script: one string or a list of them, nested lists flattened (YAML anchors of command lists). */
        private List<String> script(Value value, String what) {
            List<String> lines = new ArrayList<>();
            flatten(value, what, lines);
            return lines;
        }

        private void flatten(Value value, String what, List<String> lines) {
            if (value instanceof Sequence sequence) {
                for (Value item : sequence.items()) {
                    flatten(item, what, lines);
                }
            } else if (value instanceof Mapping) {
                throw error(value.line(), what + " has a mapping where a command should be: quote the line "
                        + "(an unquoted ': ' makes YAML read it as a key)");
            } else {
                Scalar scalar = (Scalar) value;
                if (!scalar.isNull()) {
                    lines.add(scalar.value());
                }
            }
        }

        private List<JobPlan.CacheRule> caches(Value value, String what) {
            List<Value> items = value instanceof Sequence sequence ? sequence.items() : List.of(value);
            List<JobPlan.CacheRule> caches = new ArrayList<>();
            for (Value item : items) {
                Mapping cache = mapping(item, what + " cache");
                allowOnly(cache, what + " cache", "key", "paths", "policy", "when", "untracked", "fallback_keys",
                        "unprotect");
                String key = "default";
                Optional<Value> keyValue = cache.get("key");
                if (keyValue.isPresent()) {
                    if (keyValue.get() instanceof Mapping) {
                        throw error(keyValue.get().line(), what + " cache:key:files is not supported by exec; use a "
                                + "string key");
                    }
                    key = scalarText(keyValue.get(), what + " cache:key");
                }
                String policy = cache.get("policy").map(v -> string(v, what + " cache:policy")).orElse("pull-push");
                if (!Set.of("pull", "push", "pull-push").contains(policy)) {
                    throw error(cache.lineOf("policy"), what + " cache:policy must be pull, push or pull-push");
                }
                caches.add(new JobPlan.CacheRule(key,
                        cache.get("paths").map(v -> strings(v, what + " cache:paths")).orElse(List.of()),
                        cache.get("untracked").map(v -> bool(v, what + " cache:untracked")).orElse(false), policy,
                        cache.get("when").map(v -> whenValue(v, what + " cache:when")).orElse("on_success"),
                        cache.get("fallback_keys").map(v -> strings(v, what + " cache:fallback_keys"))
                                .orElse(List.of())));
            }
            return caches;
        }

        private List<JobPlan.ArtifactRule> artifacts(Value value, String what) {
            Mapping artifacts = mapping(value, what + " artifacts");
            allowOnly(artifacts, what + " artifacts", "paths", "exclude", "untracked", "when", "expire_in", "name",
                    "expose_as", "reports", "public", "access");
            List<String> paths = artifacts.get("paths").map(v -> strings(v, what + " artifacts:paths"))
                    .orElse(List.of());
            boolean untracked = artifacts.get("untracked").map(v -> bool(v, what + " artifacts:untracked"))
                    .orElse(false);
            if (paths.isEmpty() && !untracked) {
                return List.of(); // e.g. reports only
            }
            return List.of(new JobPlan.ArtifactRule(
                    artifacts.get("name").map(v -> scalarText(v, what + " artifacts:name")).orElse(null), paths,
                    artifacts.get("exclude").map(v -> strings(v, what + " artifacts:exclude")).orElse(List.of()),
                    untracked,
                    artifacts.get("when").map(v -> whenValue(v, what + " artifacts:when")).orElse("on_success"),
                    artifacts.get("expire_in").map(v -> scalarText(v, what + " artifacts:expire_in")).orElse(null),
                    "archive", "zip"));
        }

        private Duration timeout(Value value, String what) {
            String text = scalarText(value, what + " timeout");
            try {
                return GitLabDuration.parse(text);
            } catch (IllegalArgumentException e) {
                throw error(value.line(), what + " timeout: " + e.getMessage());
            }
        }

        // ---------------------------------------------------------------- value helpers

        private String whenValue(Value value, String what) {
            String when = string(value, what);
            if (!Set.of("on_success", "on_failure", "always").contains(when)) {
                throw error(value.line(), what + " must be on_success, on_failure or always");
            }
            return when;
        }

        private void allowOnly(Mapping mapping, String what, String... keys) {
            Set<String> allowed = Set.of(keys);
            for (String key : mapping.entries().keySet()) {
                if (!allowed.contains(key)) {
                    throw error(mapping.lineOf(key), what + " has unknown key '" + key + "' (allowed: "
                            + String.join(", ", keys) + ")");
                }
            }
        }

        private String required(Mapping mapping, String key, String what) {
            return string(mapping.get(key).orElseThrow(() -> error(mapping.line(), what + " needs a '" + key + "'")),
                    what + " " + key);
        }

        private Mapping mapping(Value value, String what) {
            if (value instanceof Mapping mapping) {
                return mapping;
            }
            throw error(value.line(), what + " must be a mapping");
        }

        private Sequence sequence(Value value, String what) {
            if (value instanceof Sequence sequence) {
                return sequence;
            }
            throw error(value.line(), what + " must be a list");
        }

        /** A list of strings, or one string as a list of one. */
        private List<String> strings(Value value, String what) {
            if (value instanceof Scalar) {
                return List.of(string(value, what));
            }
            List<String> strings = new ArrayList<>();
            for (Value item : sequence(value, what).items()) {
                strings.add(string(item, what));
            }
            return strings;
        }

        /** A list of strings that may be empty, as entrypoints ({@code [""]} resets an image's). */
        private List<String> texts(Value value, String what) {
            if (value instanceof Scalar) {
                return List.of(scalarText(value, what));
            }
            List<String> texts = new ArrayList<>();
            for (Value item : sequence(value, what).items()) {
                texts.add(scalarText(item, what));
            }
            return texts;
        }

        /** A non-empty scalar. */
        private String string(Value value, String what) {
            String text = scalarText(value, what);
            if (text.isEmpty()) {
                throw error(value.line(), what + " must not be empty");
            }
            return text;
        }

        /** Any scalar as text (numbers and booleans as written); null is the empty string. */
        private String scalarText(Value value, String what) {
            if (value instanceof Scalar scalar) {
                return scalar.isNull() ? "" : scalar.value();
            }
            throw error(value.line(), what + " must be a string, not a " + (value instanceof Mapping ? "mapping"
                    : "list"));
        }

        private boolean bool(Value value, String what) {
            if (value instanceof Scalar scalar && "bool".equals(scalar.tag())) {
                return Boolean.parseBoolean(scalar.value().toLowerCase(java.util.Locale.ROOT));
            }
            throw error(value.line(), what + " must be true or false");
        }

        private PipelineException unknown(int line, String what, String keyword) {
            return UNSUPPORTED.contains(keyword)
                    ? error(line, what + " uses '" + keyword + "', which exec does not support")
                    : error(line, what + " has unknown keyword '" + keyword + "'");
        }

        private PipelineException error(int line, String message) {
            return new PipelineException(file, line, message);
        }
    }

    @Override
    public String toString() {
        return "PipelineFile[" + file + ", jobs " + jobs.keySet() + "]";
    }
}
