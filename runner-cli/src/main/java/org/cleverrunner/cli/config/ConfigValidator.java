package org.cleverrunner.cli.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.cleverrunner.coordinator.TlsOptions;
import org.cleverrunner.core.EngineSettings;
import org.cleverrunner.core.JobSetup;
import org.cleverrunner.core.AdmissionSettings;
import org.cleverrunner.core.CacheSettings;
import org.cleverrunner.core.RunnerSettings;
import org.cleverrunner.spi.CacheStoreFactory;
import org.cleverrunner.spi.PlanRules;
import org.cleverrunner.spi.ProviderSettings;
import org.cleverrunner.spi.Providers;
import org.cleverrunner.spi.Secret;

/**
 * Turns the TOML tree into the engine's settings, collecting every problem (with its key's path) instead of stopping
 * at the first, so that one run of the runner lists all there is to fix.
 */
public final class ConfigValidator {

    static final Set<String> TOP_KEYS = Set.of("concurrent", "check_interval", "shutdown_timeout", "log_level",
            "log_format", "journal", "metrics", "runners", "listen_address");
    static final Set<String> METRICS_KEYS = Set.of("listen");
    // id, token_obtained_at and token_expires_at are bookkeeping gitlab-runner writes; accepted so its files load.
    static final Set<String> RUNNER_KEYS = Set.of("name", "url", "token", "limit", "request_concurrency", "executor",
            "provisioner", "output_limit", "tls-ca-file", "tls-cert-file", "tls-key-file", "docker", "cache",
            "provisioners", "id", "token_obtained_at", "token_expires_at", "weighted_quota", "max_provisioning",
            "min_launch_interval", "cache_dir", "autoscaler", "environment", "pre_build_script", "post_build_script",
            "clone_url", "feature_flags");
    // GitLab Runner's [runners.autoscaler] keys this runner's warm pool honours, and reuse_scope, its own
    static final Set<String> AUTOSCALER_KEYS = Set.of("max_instances", "max_use_count", "capacity_per_instance",
            "instance_acquire_timeout", "reuse_scope", "policy");
    static final Set<String> AUTOSCALER_POLICY_KEYS = Set.of("idle_count", "idle_time", "scale_factor",
            "scale_factor_limit", "periods", "timezone");
    // The keys the docker executor and the local-docker provisioner read; GitLab's other docker keys (privileged,
    // volumes…) have no meaning here and are refused rather than silently ignored.
    static final Set<String> DOCKER_KEYS = Set.of("image", "host", "service_wait_timeout", "stop_timeout",
            "sources_dir", "dependency_proxy", "dependency_proxy_direct_group", "pull_policy",
            "allowed_pull_policies", "allowed_images", "allowed_services", "pull_timeout", "wait_for_services_timeout",
            "memory", "memory_swap", "memory_reservation", "cpus", "cpuset_cpus", "cpuset_mems", "cpu_shares",
            "shm_size", "dns", "dns_search", "extra_hosts", "services_limit", "service_memory", "service_memory_swap",
            "service_memory_reservation", "service_cpus", "service_cpuset_cpus", "service_cpu_shares");
    static final Set<String> DOCKER_SECONDS = Set.of("service_wait_timeout", "stop_timeout", "pull_timeout");
    // gitlab-runner's [runners.cache] keys; register writes MaxUploadedArchiveSize = 0 and empty s3/gcs/azure tables
    static final Set<String> CACHE_KEYS = Set.of("Type", "Shared", "Path", "MaxUploadedArchiveSize", "s3", "gcs",
            "azure");
    /** The id of the S3 cache store (module cache-s3). */
    static final String S3_CACHE = "s3";
    private static final java.util.regex.Pattern SUGGESTION = java.util.regex.Pattern.compile(
            "\\(did you mean \"([^\"]+)\"\\?\\)");
    static final Set<String> LOG_LEVELS = Set.of("debug", "info", "warn", "error");
    static final Set<String> LOG_FORMATS = Set.of("text", "json");
    /** GitLab Runner's other spellings: logrus's levels above error stop the runner there; ours only log. */
    static final Map<String, String> LOG_LEVEL_ALIASES = Map.of("warning", "warn", "fatal", "error", "panic", "error");
    /** GitLab Runner's "runner" format is its coloured text. */
    static final Map<String, String> LOG_FORMAT_ALIASES = Map.of("runner", "text");
    /** GitLab Runner's executors this runner has not, with what to use instead. */
    static final Map<String, String> OTHER_EXECUTORS = Map.of(
            "docker-autoscaler", "use executor = \"docker\" with a VM provisioner (provisioner = \"clever-cloud\")"
                    + " and [runners.autoscaler]",
            "docker+machine", "use executor = \"docker\" with a VM provisioner (provisioner = \"clever-cloud\")"
                    + " and [runners.autoscaler]",
            "instance", "use executor = \"docker\" with a VM provisioner: every job runs in a container of its VM",
            "docker-windows", "Windows containers are not supported");

    /** The default journal's file name, next to the config file. */
    public static final String JOURNAL_FILE = "clever-runner-journal.json";
    /** The default directory of job caches, next to the journal. */
    public static final String CACHE_DIRECTORY = "cache";

    private final List<String> problems = new ArrayList<>();
    /** Keys accepted with no effect here, and why: logged when the runner starts. */
    private final List<String> warnings = new ArrayList<>();
    private final Path source;

    private ConfigValidator(Path source) {
        this.source = source;
    }

    /** Everything read from one config file. */
    record Validated(EngineSettings engine, String logLevel, String logFormat, String metricsListen,
            List<String> warnings) {
    }

    /** Every problem and warning of a config tree, without throwing: what `validate` decides from. */
    record Report(List<String> problems, List<String> warnings) {
    }

    static Report report(ObjectNode root, Path source) {
        ConfigValidator validator = new ConfigValidator(source);
        validator.root(root);
        return new Report(List.copyOf(validator.problems), List.copyOf(validator.warnings));
    }

    static Validated validate(ObjectNode root, Path source) {
        ConfigValidator validator = new ConfigValidator(source);
        Validated validated = validator.root(root);
        if (!validator.problems.isEmpty()) {
            throw new ConfigException(source, validator.problems);
        }
        return validated;
    }

    /**
     * Tries a TCP connection to each runner's coordinator (host and port of its URL) and returns one problem per
     * runner that cannot be reached, e.g. {@code runners[0].url: cannot connect to gitlab.example.com:443 (…)}.
     * Meant for the start of {@code run}; parsing never touches the network.
     */
    public static List<String> checkReachable(EngineSettings settings, Duration timeout) {
        List<String> unreachable = new ArrayList<>();
        int timeoutMillis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        List<RunnerSettings> runners = settings.runners();
        for (int i = 0; i < runners.size(); i++) {
            URI uri = URI.create(runners.get(i).url());
            int port = uri.getPort() >= 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(uri.getHost(), port), timeoutMillis);
            } catch (IOException | IllegalArgumentException e) {
                unreachable.add("runners[" + i + "].url: cannot connect to " + uri.getHost() + ":" + port + " ("
                        + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")");
            }
        }
        return unreachable;
    }

    // ------------------------------------------------------------------ sections

    private Validated root(ObjectNode root) {
        unknownKeys(root, "", TOP_KEYS, GitLabRunnerKeys.Section.GLOBAL);
        int concurrent = integer(root, "", "concurrent", 1, 1);
        int checkInterval = integer(root, "", "check_interval", 0, 3);
        int shutdownTimeout = integer(root, "", "shutdown_timeout", 0, 30); // gitlab-runner's DefaultShutdownTimeout
        String logLevel = choice(root, "", "log_level", LOG_LEVELS, LOG_LEVEL_ALIASES, "info");
        String logFormat = choice(root, "", "log_format", LOG_FORMATS, LOG_FORMAT_ALIASES, "text");
        Path directory = source == null ? Path.of("") : source.toAbsolutePath().getParent();
        Path journal = directory.resolve(JOURNAL_FILE);
        String journalText = string(root, "", "journal", false);
        if (journalText != null) {
            Path configured = path("journal", journalText);
            if (configured != null) {
                journal = directory.resolve(configured);
            }
        }
        String listen = null;
        ObjectNode metrics = table(root, "", "metrics");
        if (metrics != null) {
            unknownKeys(metrics, "metrics", METRICS_KEYS, null);
            listen = string(metrics, "metrics", "listen", false);
            if (listen != null && !validListen(listen)) {
                problems.add("metrics.listen: must be host:port with a port from 1 to 65535, got " + quote(listen));
            }
        }
        // GitLab Runner's listen_address serves its metrics: the same as [metrics] listen
        String listenAddress = string(root, "", "listen_address", false);
        if (listenAddress != null && !validListen(listenAddress)) {
            problems.add("listen_address: must be host:port with a port from 1 to 65535, got " + quote(listenAddress));
        } else if (listenAddress != null && listen != null && !listen.equals(listenAddress)) {
            problems.add("listen_address: " + quote(listenAddress) + " and metrics.listen " + quote(listen)
                    + " both say where metrics are served; keep one");
        } else if (listenAddress != null) {
            listen = listenAddress;
        }
        List<RunnerSettings> runners = new ArrayList<>();
        Path caches = journal.toAbsolutePath().normalize().resolveSibling(CACHE_DIRECTORY);
        JsonNode runnerNodes = root.get("runners");
        if (runnerNodes != null && !runnerNodes.isArray()) {
            problems.add("runners: must be an array of tables ([[runners]]), got " + describe(runnerNodes));
        } else if (runnerNodes != null) {
            Map<String, Integer> names = new HashMap<>();
            for (int i = 0; i < runnerNodes.size(); i++) {
                String path = "runners[" + i + "]";
                JsonNode node = runnerNodes.get(i);
                if (!node.isObject()) {
                    problems.add(path + ": must be a table, got " + describe(node));
                    continue;
                }
                RunnerSettings runner = runner((ObjectNode) node, path, caches);
                if (runner == null) {
                    continue;
                }
                Integer previous = names.putIfAbsent(runner.name(), i);
                if (previous != null) {
                    problems.add(path + ".name: " + quote(runner.name()) + " is already the name of runners["
                            + previous + "]");
                    continue;
                }
                runners.add(runner);
            }
        }
        EngineSettings engine = new EngineSettings(concurrent, Duration.ofSeconds(checkInterval),
                Duration.ofSeconds(shutdownTimeout), journal, runners);
        return new Validated(engine, logLevel, logFormat, listen, List.copyOf(warnings));
    }

    private RunnerSettings runner(ObjectNode node, String path, Path defaultCaches) {
        int before = problems.size();
        unknownKeys(node, path, RUNNER_KEYS, GitLabRunnerKeys.Section.RUNNER);
        String name = string(node, path, "name", true);
        if (name != null && name.isBlank()) {
            problems.add(path + ".name: must not be blank");
        }
        String url = string(node, path, "url", true);
        if (url != null) {
            url = url.strip();
            if (!validUrl(url)) {
                problems.add(path + ".url: must be an http:// or https:// URL with a host, got " + quote(url));
            }
        }
        String token = secretString(node, path, "token");
        if (token != null) {
            // it travels in a header (RUNNER-TOKEN, PRIVATE-TOKEN): a placeholder or a pasted "…" fails every request
            for (int i = 0; i < token.length(); i++) {
                char c = token.charAt(i);
                if (c < 0x21 || c > 0x7e) {
                    problems.add(path + ".token: character " + String.format("U+%04X", (int) c) + " at position "
                            + (i + 1) + " cannot be sent in an HTTP header; give the whole token GitLab showed"
                            + " (glrt-…), or register to get one");
                    token = null;
                    break;
                }
            }
        }
        int limit = integer(node, path, "limit", 0, 0);
        int requestConcurrency = integer(node, path, "request_concurrency", 1, 1);
        String executor = string(node, path, "executor", false);
        if (executor != null && !executor.strip().equals("docker")
                && !Providers.discover(org.cleverrunner.spi.ExecutorFactory.class).containsKey(executor.strip())) {
            String instead = OTHER_EXECUTORS.get(executor.strip());
            problems.add(join(path, "executor") + ": " + quote(executor) + " is not an executor of this runner ("
                    + String.join(", ", Providers.discover(org.cleverrunner.spi.ExecutorFactory.class).keySet()
                            .stream().sorted().toList()) + "); "
                    + (instead != null ? instead : "every job runs in a container of the host a provisioner lends"));
        }
        String provisioner = string(node, path, "provisioner", false);
        int outputLimitKib = integer(node, path, "output_limit", 1, 4096);
        // ours: admission by weight (a job weighs its flavor's RAM in GiB^1.25), provisioning cap, launch spacing
        int weightedQuota = integer(node, path, "weighted_quota", 0, 0);
        int maxProvisioning = integer(node, path, "max_provisioning", 0, 0);
        int minLaunchInterval = integer(node, path, "min_launch_interval", 0, 0);
        if (node.has("id")) {
            integer(node, path, "id", 0, 0);
        }
        JobSetup jobs = jobSetup(node, path);
        TlsOptions tls = tls(node, path);
        CacheSettings cache = cache(node, path, cacheDirectory(node, path, defaultCaches));

        String image = null;
        Map<String, String> dockerValues = new LinkedHashMap<>();
        ObjectNode docker = table(node, path, "docker");
        if (docker != null) {
            String dockerPath = path + ".docker";
            unknownKeys(docker, dockerPath, DOCKER_KEYS, GitLabRunnerKeys.Section.DOCKER);
            image = string(docker, dockerPath, "image", false);
            for (String key : List.of("host", "sources_dir")) {
                String value = string(docker, dockerPath, key, false);
                if (value != null && !value.isBlank()) { // gitlab-runner's register writes host = ""
                    dockerValues.put(dashed(key), value);
                }
            }
            // GitLab Runner's name for service_wait_timeout: seconds, -1 for no wait, 0 for the default
            if (docker.has("wait_for_services_timeout")) {
                JsonNode wait = docker.get("wait_for_services_timeout");
                if (!wait.isIntegralNumber() || wait.asLong() < -1) {
                    problems.add(join(dockerPath, "wait_for_services_timeout") + ": must be a number of seconds"
                            + " (-1: no wait), got " + describe(wait));
                } else if (docker.has("service_wait_timeout")) {
                    problems.add(join(dockerPath, "wait_for_services_timeout") + ": service_wait_timeout says the"
                            + " same; keep one");
                } else if (wait.asLong() != 0) {
                    dockerValues.put("service-wait-timeout", Math.max(0, wait.asLong()) + "s");
                }
            }
            limits(docker, dockerPath, dockerValues);
            for (String key : DOCKER_SECONDS) {
                if (docker.has(key)) {
                    dockerValues.put(dashed(key), integer(docker, dockerPath, key, 0, 0) + "s");
                }
            }
            // GitLab Runner's image rules: a string or an array for pull_policy, arrays for the others
            for (String key : List.of("pull_policy", "allowed_pull_policies", "allowed_images", "allowed_services")) {
                List<String> items = stringList(docker, dockerPath, key, key.equals("pull_policy"));
                if (items == null) {
                    continue;
                }
                if (key.endsWith("pull_policy") || key.endsWith("pull_policies")) {
                    for (String item : items) {
                        if (!PlanRules.PULL_POLICIES.contains(item)) {
                            problems.add(join(dockerPath, key) + ": " + quote(item) + " is not a pull policy ("
                                    + String.join(", ", PlanRules.PULL_POLICIES) + ")");
                        }
                    }
                }
                dockerValues.put(dashed(key), String.join("\n", items));
            }
        }

        Map<String, String> provisionerValues = new LinkedHashMap<>();
        String provisionerId = provisioner == null || provisioner.isBlank() ? "local-docker" : provisioner.strip();
        // Docker Hub images through the group's Dependency Proxy: on by default on Clever Cloud's VMs, as the
        // runner this project replaces did it, off elsewhere
        String proxy = docker == null ? null : bool(docker, path + ".docker", "dependency_proxy");
        String direct = docker == null ? null : bool(docker, path + ".docker", "dependency_proxy_direct_group");
        if (proxy != null ? Boolean.parseBoolean(proxy) : provisionerId.equals("clever-cloud")) {
            dockerValues.put("dependency-proxy", Boolean.parseBoolean(direct) ? "direct-group" : "group");
        }
        // a provisioner that lends hosts it does not create has no VMs to keep warm: one line, not an unknown key each
        if (node.has("autoscaler") && org.cleverrunner.core.hosts.Provisioners.lendsHostsOnly(provisionerId,
                getClass().getClassLoader())) {
            problems.add(path + ".autoscaler: " + org.cleverrunner.core.hosts.Provisioners.noWarmPool(provisionerId));
        } else {
            autoscaler(node, path, provisionerValues);
        }
        ObjectNode provisioners = table(node, path, "provisioners");
        if (provisioners != null) {
            provisioners.fields().forEachRemaining(entry -> {
                String sectionPath = path + ".provisioners." + entry.getKey();
                if (!entry.getValue().isObject()) {
                    problems.add(sectionPath + ": must be a table ([runners.provisioners." + entry.getKey()
                            + "]), got " + describe(entry.getValue()));
                    return;
                }
                Map<String, String> values = flat((ObjectNode) entry.getValue(), sectionPath);
                if (entry.getKey().equals(provisionerId)) {
                    provisionerValues.putAll(values);
                }
            });
        }
        // The local-docker provisioner is the one that reaches the Docker host: let [runners.docker] host,
        // where GitLab users write it, choose it unless the provisioner's own section does.
        if ("local-docker".equals(provisionerId) && dockerValues.containsKey("host")) {
            provisionerValues.putIfAbsent("host", dockerValues.get("host"));
        }
        // the provisioner validates its own keys; its messages name them as written here
        String provisionerPath = path + ".provisioners." + provisionerId;
        Map<String, String> written = new HashMap<>();
        ObjectNode ownTable = provisioners == null ? null : table(provisioners, path + ".provisioners", provisionerId);
        if (ownTable != null) {
            ownTable.fieldNames().forEachRemaining(key -> written.put(dashed(key), key));
        }
        for (String problem : org.cleverrunner.core.hosts.Provisioners.validate(provisionerId,
                new ProviderSettings(provisionerPath, provisionerValues), getClass().getClassLoader())) {
            for (Map.Entry<String, String> key : written.entrySet()) {
                problem = problem.replaceAll(java.util.regex.Pattern.quote(provisionerPath + "." + key.getKey())
                        + "(?![A-Za-z0-9_.-])", java.util.regex.Matcher.quoteReplacement(provisionerPath + "."
                        + key.getValue()));
                if (key.getValue().contains("_") && problem.startsWith(provisionerPath + "." + key.getValue() + ":")) {
                    // the suggestion in the spelling the key was written in
                    problem = SUGGESTION.matcher(problem).replaceAll(m -> java.util.regex.Matcher.quoteReplacement(
                            "(did you mean \"" + m.group(1).replace('-', '_') + "\"?)"));
                }
            }
            problems.add(problem);
        }
        if (token != null) {
            org.cleverrunner.cli.logging.Redactor.register(token);
        }
        provisionerValues.forEach((key, value) -> {
            if (Secret.looksSecret(key)) {
                org.cleverrunner.cli.logging.Redactor.register(value);
            }
        });
        if (problems.size() > before || name == null || url == null || token == null) {
            return null;
        }
        return new RunnerSettings(name, url, Secret.of(token), limit, requestConcurrency, executor, provisionerId,
                new ProviderSettings(path + ".docker", dockerValues),
                new ProviderSettings(path + ".provisioners." + provisionerId, provisionerValues), tls, image,
                outputLimitKib * 1024L, new AdmissionSettings(weightedQuota, maxProvisioning,
                        java.time.Duration.ofSeconds(minLaunchInterval)), cache, jobs);
    }

    /**
     * {@code [runners.autoscaler]} and its {@code [[runners.autoscaler.policy]]}: the warm pool, as GitLab Runner's
     * docker-autoscaler writes it, handed to the host lifecycle as {@code pool.*} settings of the provisioner.
     * {@code capacity_per_instance} can only be 1 here (a VM per job at a time).
     */
    private void autoscaler(ObjectNode node, String path, Map<String, String> values) {
        ObjectNode autoscaler = table(node, path, "autoscaler");
        if (autoscaler == null) {
            return;
        }
        String where = path + ".autoscaler";
        unknownKeys(autoscaler, where, AUTOSCALER_KEYS, GitLabRunnerKeys.Section.AUTOSCALER);
        values.put("pool.max-instances", Integer.toString(integer(autoscaler, where, "max_instances", 1, 10)));
        values.put("pool.max-uses", Integer.toString(integer(autoscaler, where, "max_use_count", 0, 0)));
        if (autoscaler.has("capacity_per_instance") && integer(autoscaler, where, "capacity_per_instance", 1, 1) != 1) {
            problems.add(where + ".capacity_per_instance: only 1 is supported: a VM runs one job at a time, which"
                    + " is what keeps jobs of different projects apart");
        }
        String acquire = string(autoscaler, where, "instance_acquire_timeout", false);
        if (acquire != null) {
            values.put("pool.acquire-timeout", acquire);
        }
        String scope = string(autoscaler, where, "reuse_scope", false);
        values.put("pool.scope", scope == null ? "project" : scope);
        JsonNode policies = autoscaler.get("policy");
        if (policies == null) {
            return;
        }
        if (!policies.isArray()) {
            problems.add(where + ".policy: must be an array of tables ([[runners.autoscaler.policy]]), got "
                    + describe(policies));
            return;
        }
        for (int i = 0; i < policies.size(); i++) {
            String policyPath = where + ".policy[" + i + "]";
            if (!policies.get(i).isObject()) {
                problems.add(policyPath + ": must be a table, got " + describe(policies.get(i)));
                continue;
            }
            ObjectNode policy = (ObjectNode) policies.get(i);
            unknownKeys(policy, policyPath, AUTOSCALER_POLICY_KEYS, GitLabRunnerKeys.Section.AUTOSCALER_POLICY);
            String key = "pool.policy." + i + ".";
            JsonNode idle = policy.get("idle_count");
            if (idle != null && idle.isObject()) {
                List<String> counts = new ArrayList<>();
                idle.fields().forEachRemaining(e -> counts.add(e.getKey() + ":" + e.getValue().asText()));
                values.put(key + "idle-count", String.join(",", counts));
            } else if (idle != null) {
                values.put(key + "idle-count", Integer.toString(integer(policy, policyPath, "idle_count", 0, 0)));
            }
            for (String field : List.of("idle_time", "timezone", "scale_factor", "scale_factor_limit")) {
                if (policy.hasNonNull(field)) {
                    values.put(key + dashed(field), policy.get(field).asText());
                }
            }
            JsonNode periods = policy.get("periods");
            if (periods != null) {
                if (!periods.isArray()) {
                    problems.add(policyPath + ".periods: must be an array of cron periods, got " + describe(periods));
                } else {
                    List<String> list = new ArrayList<>();
                    periods.forEach(p -> list.add(p.asText()));
                    values.put(key + "periods", String.join("|", list));
                }
            }
        }
        try {
            org.cleverrunner.core.hosts.pool.PolicySpec.fromSettings(new ProviderSettings(where, values));
        } catch (IllegalArgumentException e) {
            problems.add(where + ": " + e.getMessage());
        }
    }

    /**
     * GitLab Runner's resource and name-resolution keys of {@code [runners.docker]}, as the docker executor reads
     * them ({@link org.cleverrunner.docker.ContainerLimits}), checked here so that a bad one is a problem at start.
     */
    private void limits(ObjectNode docker, String dockerPath, Map<String, String> dockerValues) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String key : List.of("memory", "memory_swap", "memory_reservation", "cpus", "cpuset_cpus", "cpuset_mems",
                "service_memory", "service_memory_swap", "service_memory_reservation", "service_cpus",
                "service_cpuset_cpus")) {
            JsonNode value = docker.get(key);
            if (value == null) {
                continue;
            }
            if (!value.isTextual() && !value.isNumber()) {
                problems.add(join(dockerPath, key) + ": must be a string such as \"512m\" or \"1.5\", got "
                        + describe(value));
                return;
            }
            values.put(dashed(key), value.asText());
        }
        if (docker.has("shm_size")) {
            values.put("shm-size", Long.toString(Math.max(0, longInteger(docker, dockerPath, "shm_size"))));
        }
        for (String key : List.of("cpu_shares", "service_cpu_shares")) {
            if (docker.has(key)) {
                values.put(dashed(key), Long.toString(Math.max(0, longInteger(docker, dockerPath, key, "CPU shares"))));
            }
        }
        if (docker.has("services_limit")) {
            values.put("services-limit", Integer.toString(integer(docker, dockerPath, "services_limit", -1, -1)));
        }
        for (String key : List.of("dns", "dns_search", "extra_hosts")) {
            JsonNode value = docker.get(key);
            if (value == null) {
                continue;
            }
            if (!value.isArray()) {
                problems.add(join(dockerPath, key) + ": must be an array of strings, got " + describe(value));
                return;
            }
            List<String> items = new ArrayList<>();
            for (JsonNode item : value) {
                if (!item.isTextual() || item.textValue().contains("\n")) {
                    problems.add(join(dockerPath, key) + ": every item must be a string on one line, got "
                            + describe(item));
                    return;
                }
                if (!item.textValue().isBlank()) { // GitLab Runner's own example has dns_search = [""]
                    items.add(item.textValue().strip());
                }
            }
            values.put(dashed(key), String.join("\n", items));
        }
        try {
            org.cleverrunner.docker.ContainerLimits.from(new ProviderSettings(dockerPath, values));
            dockerValues.putAll(values);
        } catch (IllegalArgumentException | org.cleverrunner.spi.RunnerSpiException e) {
            // the message starts with the setting's dashed name: put it back in config.toml's spelling, and only it
            String message = e.getMessage().replaceFirst("^setting " + java.util.regex.Pattern.quote(dockerPath)
                    + "\\.", "");
            int colon = message.indexOf(':');
            String key = colon < 0 ? "" : message.substring(0, colon);
            problems.add(dockerPath + "." + (key.matches("[a-z-]+") ? key.replace('-', '_') + message.substring(colon)
                    : message));
        }
    }

    private long longInteger(ObjectNode node, String path, String key) {
        return longInteger(node, path, key, "bytes");
    }

    private long longInteger(ObjectNode node, String path, String key, String unit) {
        JsonNode value = node.get(key);
        if (!value.isIntegralNumber() || value.asLong() < 0) {
            problems.add(join(path, key) + ": must be a number of " + unit + " ≥ 0, got " + describe(value));
            return 0;
        }
        return value.asLong();
    }

    /**
     * GitLab Runner's {@code environment}, {@code pre_build_script}, {@code post_build_script} and {@code clone_url},
     * and {@code [runners.feature_flags]}: flags whose value is what this runner does pass silently, the others are
     * named in a warning (the environment's {@code FF_…} entries too).
     */
    private JobSetup jobSetup(ObjectNode node, String path) {
        List<String> environment = stringList(node, path, "environment", false);
        if (environment != null) {
            for (String entry : environment) {
                int equals = entry.indexOf('=');
                if (equals <= 0 || !entry.substring(0, equals).matches("[A-Za-z_][A-Za-z0-9_]*")) {
                    problems.add(join(path, "environment") + ": " + quote(entry.length() > 40
                            ? entry.substring(0, 40) + "…" : entry.replaceAll("=.*", "=…"))
                            + " is not KEY=value with a variable name as KEY");
                    environment = null;
                    break;
                }
            }
        }
        Map<String, Boolean> flags = new LinkedHashMap<>();
        ObjectNode table = table(node, path, "feature_flags");
        if (table != null) {
            table.fields().forEachRemaining(entry -> {
                if (!entry.getValue().isBoolean()) {
                    problems.add(join(path, "feature_flags." + entry.getKey()) + ": must be true or false, got "
                            + describe(entry.getValue()));
                } else {
                    flags.put(entry.getKey(), entry.getValue().booleanValue());
                }
            });
        }
        if (environment != null) {
            environment.stream().filter(entry -> entry.startsWith("FF_")).forEach(entry -> flags.putIfAbsent(
                    entry.substring(0, entry.indexOf('=')), FeatureFlags.truthy(entry.substring(entry.indexOf('=') + 1))));
        }
        List<String> unsupported = FeatureFlags.notMatching(flags);
        if (!unsupported.isEmpty()) {
            warnings.add(join(path, "feature_flags") + ": ignored, this runner behaves otherwise: "
                    + String.join(", ", unsupported));
        }
        String cloneUrl = string(node, path, "clone_url", false);
        if (cloneUrl != null && !cloneUrl.isBlank() && !validUrl(cloneUrl.strip())) {
            problems.add(join(path, "clone_url") + ": must be an http:// or https:// URL with a host, got "
                    + quote(cloneUrl));
            cloneUrl = null;
        }
        return new JobSetup(environment, string(node, path, "pre_build_script", false),
                string(node, path, "post_build_script", false), cloneUrl == null ? null : cloneUrl.strip());
    }

    private TlsOptions tls(ObjectNode node, String path) {
        Path ca = optionalPath(node, path, "tls-ca-file");
        Path cert = optionalPath(node, path, "tls-cert-file");
        Path key = optionalPath(node, path, "tls-key-file");
        if (cert != null && key == null) {
            problems.add(path + ".tls-key-file: missing (tls-cert-file needs its private key)");
            return null;
        }
        if (key != null && cert == null) {
            problems.add(path + ".tls-cert-file: missing (tls-key-file needs its certificate)");
            return null;
        }
        return ca == null && cert == null ? null : new TlsOptions(ca, cert, key);
    }

    /** {@code cache_dir}: an absolute path; by default {@code cache/} beside the journal. */
    private Path cacheDirectory(ObjectNode node, String path, Path defaultCaches) {
        String text = string(node, path, "cache_dir", false);
        if (text == null) {
            return defaultCaches;
        }
        Path configured = path(path + ".cache_dir", text);
        if (configured == null) {
            return defaultCaches;
        }
        if (!configured.isAbsolute()) {
            problems.add(path + ".cache_dir: must be an absolute path, got " + quote(text));
            return defaultCaches;
        }
        return configured.normalize();
    }

    /**
     * {@code [runners.cache]}. Without a {@code Type}, job caches are kept in a directory of this host (the
     * {@code local} cache store, in {@code directory}); {@code Shared} is honoured, and what only a distributed
     * cache would use ({@code Path}, a size limit, a filled {@code s3}, {@code gcs} or {@code azure} section) is
     * refused with the reason rather than ignored. With {@code Type = "s3"}, the cache table (its own keys and
     * {@code [runners.cache.s3]}, flat: {@code s3.BucketName}…) goes to the {@code s3} cache store, which validates
     * its keys itself; its problems join this config's. gcs and azure are refused. The empty sections
     * gitlab-runner's register writes are accepted.
     */
    private CacheSettings cache(ObjectNode node, String path, Path directory) {
        ObjectNode cache = table(node, path, "cache");
        if (cache == null) {
            return CacheSettings.local(directory, false);
        }
        String cachePath = path + ".cache";
        String here = "caches are kept on this host under " + directory;
        unknownKeys(cache, cachePath, CACHE_KEYS, null);
        String type = string(cache, cachePath, "Type", false);
        String kind = type == null ? "" : type.strip().toLowerCase(Locale.ROOT);
        String shared = bool(cache, cachePath, "Shared");
        for (String section : List.of("s3", "gcs", "azure")) {
            ObjectNode settings = table(cache, cachePath, section);
            if (settings == null || settings.isEmpty()) {
                continue;
            }
            JsonNode secret = settings.get("SecretKey");
            if (secret != null && secret.isTextual() && !secret.textValue().isBlank()) {
                org.cleverrunner.cli.logging.Redactor.register(secret.textValue().strip());
            }
            if (!kind.equals(section)) { // else the store or the Type's problem says it
                problems.add(cachePath + "." + section + ": " + section.toUpperCase(Locale.ROOT) + " settings are"
                        + " not used" + (kind.equals("s3") ? " (Type is \"s3\")" : "; " + here) + "; remove [runners.cache."
                        + section + "] or leave it empty");
            }
        }
        switch (kind) {
            case "", "none" -> {
            }
            case "s3" -> {
                return s3Cache(cache, cachePath, Boolean.parseBoolean(shared));
            }
            case "gcs", "azure" -> problems.add(cachePath + ".Type: " + quote(type) + " caches are not supported; "
                    + here + "; remove Type and [runners.cache." + kind + "] from [runners.cache], or set " + path
                    + ".cache_dir to choose that directory");
            default -> problems.add(cachePath + ".Type: unknown cache type " + quote(type) + " (gitlab-runner's are"
                    + " s3, gcs and azure; s3 is supported); " + here + "; remove Type or set \"s3\"");
        }
        if (string(cache, cachePath, "Path", false) != null) {
            problems.add(cachePath + ".Path: the object-name prefix of a distributed cache (Type = \"s3\"); " + here
                    + "; remove Path");
        }
        if (cache.has("MaxUploadedArchiveSize")
                && integer(cache, cachePath, "MaxUploadedArchiveSize", 0, 0) > 0) {
            problems.add(cachePath + ".MaxUploadedArchiveSize: limits uploads to a distributed cache (Type ="
                    + " \"s3\"); " + here + "; remove it or set 0");
        }
        return CacheSettings.local(directory, Boolean.parseBoolean(shared));
    }

    /**
     * {@code Type = "s3"}: the cache table handed flat to the {@code s3} cache store's own validation
     * ({@code Path}, {@code MaxUploadedArchiveSize}, {@code s3.ServerAddress}…, keys as gitlab-runner writes them).
     */
    private CacheSettings s3Cache(ObjectNode cache, String cachePath, boolean shared) {
        Map<String, String> values = new LinkedHashMap<>();
        cache.fields().forEachRemaining(entry -> {
            String key = entry.getKey();
            JsonNode value = entry.getValue();
            if (key.equals("s3") && value.isObject()) {
                value.fields().forEachRemaining(inner -> {
                    if (inner.getValue().isValueNode() && !inner.getValue().isNull()) {
                        values.put("s3." + inner.getKey(), inner.getValue().asText());
                    } else {
                        problems.add(cachePath + ".s3." + inner.getKey()
                                + (inner.getKey().equals("SecretKey") ? ": must be a string"
                                : ": must be a string, a number or a boolean, got " + describe(inner.getValue())));
                    }
                });
            } else if (CACHE_KEYS.contains(key) && value.isValueNode() && !value.isNull()) {
                values.put(key, value.asText());
            }
        });
        String envSecret = System.getenv("CELLAR_ADDON_KEY_SECRET");
        if (envSecret != null && !envSecret.isBlank()) {
            org.cleverrunner.cli.logging.Redactor.register(envSecret.strip());
        }
        ProviderSettings settings = new ProviderSettings(cachePath, values);
        CacheStoreFactory factory = Providers.discover(CacheStoreFactory.class).get(S3_CACHE);
        if (factory == null) {
            problems.add(cachePath + ".Type: \"s3\" caches need the cache-s3 module, which this build lacks");
            return null;
        }
        problems.addAll(factory.validate(settings));
        return new CacheSettings(S3_CACHE, shared, settings);
    }

    private Map<String, String> flat(ObjectNode section, String path) {
        Map<String, String> values = new LinkedHashMap<>();
        section.fields().forEachRemaining(entry -> {
            JsonNode value = entry.getValue();
            if (value.isTextual() || value.isNumber() || value.isBoolean()) {
                values.put(dashed(entry.getKey()), value.asText());
            } else if (value.isObject()) {
                // one level of tables, e.g. [runners.provisioners.clever-cloud.price] XL = 1.11 → "price.XL";
                // the inner keys are kept as written (environment variable names, flavor names)
                value.fields().forEachRemaining(inner -> {
                    if (inner.getValue().isValueNode() && !inner.getValue().isNull()) {
                        values.put(dashed(entry.getKey()) + "." + inner.getKey(), inner.getValue().asText());
                    } else {
                        problems.add(path + "." + entry.getKey() + "." + inner.getKey()
                                + ": must be a string, a number or a boolean, got " + describe(inner.getValue()));
                    }
                });
            } else {
                problems.add(path + "." + entry.getKey() + ": must be a string, a number or a boolean, got "
                        + describe(value));
            }
        });
        return values;
    }

    // ------------------------------------------------------------------ typed reads

    /**
     * Each key neither in {@code known} nor one GitLab Runner documents for {@code section} is an unknown key (with
     * the closest known one as a suggestion); a GitLab Runner key gets its {@link GitLabRunnerKeys} outcome: nothing,
     * a warning, or a problem with the reason.
     */
    private void unknownKeys(ObjectNode node, String path, Set<String> known, GitLabRunnerKeys.Section section) {
        node.fields().forEachRemaining(entry -> {
            String key = entry.getKey();
            if (known.contains(key)) {
                return;
            }
            GitLabRunnerKeys.Outcome outcome = section == null ? null
                    : GitLabRunnerKeys.outcome(section, key, entry.getValue());
            if (outcome == null) {
                String suggestion = suggest(key, known);
                problems.add(join(path, key) + ": unknown key" + (suggestion == null ? ""
                        : " (did you mean \"" + suggestion + "\"?)"));
            } else if (outcome.kind() == GitLabRunnerKeys.Kind.IGNORED) {
                warnings.add(join(path, key) + ": ignored: " + outcome.reason());
            } else if (outcome.kind() == GitLabRunnerKeys.Kind.REFUSED) {
                problems.add(join(path, key) + ": " + outcome.reason());
            }
        });
    }

    private int integer(ObjectNode node, String path, String key, int min, int defaultValue) {
        JsonNode value = node.get(key);
        if (value == null) {
            return defaultValue;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < min) {
            problems.add(join(path, key) + ": must be an integer ≥ " + min + ", got " + describe(value));
            return defaultValue;
        }
        return value.intValue();
    }

    private String string(ObjectNode node, String path, String key, boolean required) {
        JsonNode value = node.get(key);
        if (value == null) {
            if (required) {
                problems.add(join(path, key) + ": missing");
            }
            return null;
        }
        if (!value.isTextual()) {
            problems.add(join(path, key) + ": must be a string, got " + describe(value));
            return null;
        }
        return value.textValue();
    }

    /** A required secret: its value never appears in a problem. */
    private String secretString(ObjectNode node, String path, String key) {
        JsonNode value = node.get(key);
        if (value == null) {
            problems.add(join(path, key) + ": missing");
            return null;
        }
        if (!value.isTextual() || value.textValue().isBlank()) {
            problems.add(join(path, key) + ": must be a non-empty string");
            return null;
        }
        return value.textValue().strip();
    }

    /** An array of strings (or, with {@code orString}, one string); null when absent or wrong, with a problem. */
    private List<String> stringList(ObjectNode node, String path, String key, boolean orString) {
        JsonNode value = node.get(key);
        if (value == null) {
            return null;
        }
        if (orString && value.isTextual()) {
            return List.of(value.textValue().strip());
        }
        if (!value.isArray()) {
            problems.add(join(path, key) + ": must be an array of strings" + (orString ? " or a string" : "")
                    + ", got " + describe(value));
            return null;
        }
        List<String> items = new java.util.ArrayList<>();
        for (JsonNode item : value) {
            if (!item.isTextual() || item.textValue().isBlank() || item.textValue().contains("\n")) {
                problems.add(join(path, key) + ": every item must be a non-empty string on one line, got "
                        + describe(item));
                return null;
            }
            items.add(item.textValue().strip());
        }
        return items;
    }

    private String bool(ObjectNode node, String path, String key) {
        JsonNode value = node.get(key);
        if (value == null) {
            return null;
        }
        if (!value.isBoolean()) {
            problems.add(join(path, key) + ": must be true or false, got " + describe(value));
            return null;
        }
        return Boolean.toString(value.booleanValue());
    }

    private String choice(ObjectNode node, String path, String key, Set<String> choices, Map<String, String> aliases,
            String defaultValue) {
        String value = string(node, path, key, false);
        if (value == null) {
            return defaultValue;
        }
        String normalized = value.strip().toLowerCase(Locale.ROOT);
        normalized = aliases.getOrDefault(normalized, normalized);
        if (!choices.contains(normalized)) {
            List<String> accepted = new ArrayList<>(choices);
            accepted.addAll(aliases.keySet());
            problems.add(join(path, key) + ": must be one of " + String.join(", ", accepted.stream().sorted().toList())
                    + ", got " + quote(value));
            return defaultValue;
        }
        return normalized;
    }

    private ObjectNode table(ObjectNode node, String path, String key) {
        JsonNode value = node.get(key);
        if (value == null) {
            return null;
        }
        if (!value.isObject()) {
            problems.add(join(path, key) + ": must be a table, got " + describe(value));
            return null;
        }
        return (ObjectNode) value;
    }

    private Path optionalPath(ObjectNode node, String path, String key) {
        String value = string(node, path, key, false);
        return value == null ? null : path(join(path, key), value);
    }

    private Path path(String where, String value) {
        try {
            return Path.of(value);
        } catch (InvalidPathException e) {
            problems.add(where + ": not a valid path, got " + quote(value));
            return null;
        }
    }

    // ------------------------------------------------------------------ helpers

    static boolean validUrl(String url) {
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme();
            return scheme != null && (scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
                    && uri.getHost() != null && !uri.getHost().isEmpty();
        } catch (URISyntaxException e) {
            return false;
        }
    }

    static boolean validListen(String listen) {
        int colon = listen.lastIndexOf(':');
        if (colon < 0) {
            return false;
        }
        try {
            int port = Integer.parseInt(listen.substring(colon + 1));
            return port >= 1 && port <= 65535;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** {@code service_wait_timeout} → {@code service-wait-timeout}, {@code BucketName} → {@code bucket-name}. */
    static String dashed(String key) {
        StringBuilder out = new StringBuilder(key.length() + 4);
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == '_') {
                out.append('-');
            } else if (Character.isUpperCase(c)) {
                if (i > 0 && out.charAt(out.length() - 1) != '-') {
                    out.append('-');
                }
                out.append(Character.toLowerCase(c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private static String quote(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static String describe(JsonNode value) {
        if (value.isTextual()) {
            return quote(value.textValue());
        }
        if (value.isObject()) {
            return "a table";
        }
        if (value.isArray()) {
            return "an array";
        }
        return value.toString();
    }

    /** The known key closest to an unknown one, if within two edits (case-insensitive), else null. */
    static String suggest(String key, Set<String> known) {
        return ProviderSettings.closest(key, known);
    }
}
