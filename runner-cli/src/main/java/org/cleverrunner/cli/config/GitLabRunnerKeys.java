package org.cleverrunner.cli.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * What becomes of the config.toml keys GitLab Runner documents (advanced-configuration, gitlab-runner 19.4) that this
 * runner does not read as settings of its own: accepted as they are when their value is what this runner does
 * anyway ({@code privileged = false}), accepted with a warning saying why they have no effect here, or refused with
 * the reason. Keys this runner reads (and the ones it maps, such as {@code listen_address}) are handled by
 * {@link ConfigValidator}; a key in neither place is an unknown key, with a suggestion when one is close.
 */
final class GitLabRunnerKeys {

    /** The tables whose keys are catalogued. */
    enum Section {
        GLOBAL, RUNNER, DOCKER, AUTOSCALER, AUTOSCALER_POLICY
    }

    enum Kind {
        /** Accepted without a word: the value is what this runner does. */
        SAME,
        /** Accepted, with a warning: no effect here, and why. */
        IGNORED,
        /** A problem: the runner does not start, and the reason says what to do. */
        REFUSED
    }

    /** The outcome of one key with its value. */
    record Outcome(Kind kind, String reason) {
    }

    /** A key's rule: {@code same} holds for values this runner matches; the others get {@code otherwise}. */
    private record Rule(Predicate<JsonNode> same, Kind otherwise, String reason) {
    }

    private static final Predicate<JsonNode> NEVER = value -> false;
    private static final Predicate<JsonNode> FALSE = value -> value.isBoolean() && !value.booleanValue();
    private static final Predicate<JsonNode> EMPTY = value -> value.isTextual() && value.textValue().isBlank()
            || value.isArray() && value.isEmpty() || value.isObject() && value.isEmpty()
            || value.isNumber() && value.asLong() == 0;

    private static final String NO_HOST_ACCESS = "a job never reaches the host it runs on (its Docker Engine's"
            + " gateway refuses it on every VM); use services, caches and artifacts instead";
    private static final String NO_HELPER = "there is no helper image: the runner fetches sources and moves caches"
            + " and artifacts itself";
    private static final String OTHER_EXECUTOR = "this runner runs every job with its docker executor, on the host"
            + " a provisioner lends; remove the table";

    private static final Map<Section, Map<String, Rule>> RULES = new HashMap<>();

    static {
        Map<String, Rule> global = section(Section.GLOBAL);
        global.put("sentry_dsn", ignored("errors are not sent to Sentry; they are in the runner's log"));
        global.put("connection_max_age", ignored("HTTP connections to GitLab are pooled and renewed by the client"));
        global.put("user", ignored("set by `gitlab-runner run --user`; run this runner as the user it should be"));
        global.put("labels", ignored("runner labels are not sent to GitLab by this runner"));
        global.put("session_server", refused("there is no interactive web terminal; remove [session_server]"));
        global.put("machine", refused("docker+machine is replaced by a provisioner (provisioner = \"clever-cloud\")"
                + " and [runners.autoscaler]; remove [machine]"));
        global.put("experimental", ignored("GitLab-internal usage logging"));

        Map<String, Rule> runner = section(Section.RUNNER);
        runner.put("shell", same(value -> value.isTextual() && (value.textValue().isBlank()
                || value.textValue().equals("bash") || value.textValue().equals("sh")), Kind.REFUSED,
                "jobs run in bash when the image has it, else sh; only \"bash\" or \"sh\" can be asked"));
        runner.put("builds_dir", same(value -> value.isTextual() && (value.textValue().isBlank()
                || value.textValue().equals("/builds")), Kind.REFUSED,
                "jobs are built in /builds of their own volume; remove builds_dir or set \"/builds\""));
        String hooks = "this runner fetches the sources itself, on the runner's host, then ships them to the job's"
                + " host: no script runs around that fetch; put the commands in pre_build_script (run in the job's"
                + " container before its script), or configure git on the runner's host (its ~/.gitconfig)";
        runner.put("pre_get_sources_script", same(EMPTY, Kind.REFUSED, hooks));
        runner.put("post_get_sources_script", same(EMPTY, Kind.REFUSED, hooks));
        runner.put("pre_clone_script", same(EMPTY, Kind.REFUSED, "gitlab-runner 17.0 renamed it"
                + " pre_get_sources_script, and " + hooks));
        runner.put("post_clone_script", same(EMPTY, Kind.REFUSED, "gitlab-runner 17.0 renamed it"
                + " post_get_sources_script, and " + hooks));
        runner.put("strict_check_interval", ignored("the runner long-polls GitLab and asks again at once after a job"));
        runner.put("unhealthy_requests_limit", ignored("an unreachable GitLab is an outage: the runner backs off with"
                + " jitter up to a minute and warns, instead of disabling the runner"));
        runner.put("unhealthy_interval", ignored("an unreachable GitLab is an outage: the runner backs off with"
                + " jitter up to a minute and warns, instead of disabling the runner"));
        runner.put("job_status_final_update_retry_limit", ignored("a final state is journaled and repeated until"
                + " GitLab takes or refuses it, for a day, across restarts"));
        runner.put("debug_trace_disabled", ignored("CI_DEBUG_TRACE is not interpreted by this runner"));
        runner.put("clean_git_config", ignored("the checkout is made on the runner host and its .git/config carries"
                + " no credentials"));
        runner.put("safe_directory_checkout", ignored("the build tree is owned by the job's user, so git needs no"
                + " safe.directory"));
        runner.put("proxy_exec", ignored("an experiment of gitlab-runner's helper binary, which this runner has not"));
        runner.put("labels", ignored("runner labels are not sent to GitLab by this runner"));
        runner.put("prepare_timeout", ignored("the job's own timeout covers the preparation"));
        runner.put("get_sources_timeout", ignored("the job's own timeout covers fetching the sources"));
        runner.put("use_slot_cgroups", refused("slot cgroups are not supported: each job has a host of its own"));
        runner.put("slot_cgroup_template", refused("slot cgroups are not supported: each job has a host of its own"));
        runner.put("step_runner_image", ignored("the step runner is not used"));
        runner.put("custom_build_dir", ignored("GIT_CLONE_PATH is not supported: a job's project is always"
                + " /builds/<namespace>/<project>"));
        runner.put("artifact", ignored("artifact uploads use the client's own timeouts"));
        runner.put("referees", ignored("referees (Prometheus metrics of docker+machine) are not collected"));
        runner.put("monitoring", ignored("job queuing durations are not monitored by this runner"));
        runner.put("experimental", ignored("boot verification is not supported"));
        runner.put("instance", refused(OTHER_EXECUTOR));
        for (String table : new String[] {"ssh", "parallels", "virtualbox", "kubernetes", "custom"}) {
            runner.put(table, refused(OTHER_EXECUTOR));
        }
        runner.put("machine", refused("docker+machine is replaced by a provisioner (provisioner = \"clever-cloud\")"
                + " and [runners.autoscaler]; remove [runners.machine]"));

        Map<String, Rule> docker = section(Section.DOCKER);
        docker.put("privileged", same(FALSE, Kind.REFUSED, "privileged containers are refused on every host of this"
                + " runner; build images without a daemon (Kaniko, Buildah, BuildKit rootless)"));
        docker.put("services_privileged", same(FALSE, Kind.REFUSED, "privileged containers are refused on every host"
                + " of this runner"));
        docker.put("allowed_privileged_images", ignored("privileged containers are refused whatever the image"));
        docker.put("allowed_privileged_services", ignored("privileged containers are refused whatever the image"));
        docker.put("tls_cert_path", refused("give the Docker host's TLS directory as [runners.provisioners.local-docker]"
                + " tls-cert-path"));
        docker.put("tls_verify", ignored("TLS to the Docker host is verified whenever it is used"));
        docker.put("disable_entrypoint_overwrite", same(FALSE, Kind.IGNORED, "the runner overrides no entrypoint"
                + " except the job's own image:entrypoint"));
        docker.put("oom_kill_disable", same(FALSE, Kind.REFUSED, "the kernel's OOM killer stays on for jobs"));
        docker.put("oom_score_adjust", same(EMPTY, Kind.REFUSED, "the OOM score of job containers is not changed"));
        docker.put("disable_cache", ignored("no automatic cache volumes are created; caches are the job's cache:"
                + " keys, kept in cache_dir or [runners.cache]"));
        docker.put("cache_dir", same(EMPTY, Kind.REFUSED, "caches are kept in the runner's cache_dir or in"
                + " [runners.cache]; set [[runners]] cache_dir instead"));
        for (String key : new String[] {"volumes", "volumes_from", "devices", "services_devices", "device_cgroup_rules",
                "links", "volume_driver", "volume_driver_ops"}) {
            docker.put(key, same(EMPTY, Kind.REFUSED, NO_HOST_ACCESS));
        }
        docker.put("volume_keep", same(FALSE, Kind.REFUSED, "a job's volumes are removed when it ends"));
        for (String key : new String[] {"cap_add", "security_opt", "services_security_opt", "userns_mode", "pid_mode",
                "ipcmode", "network_mode", "sysctls", "runtime", "isolation", "cgroup_parent", "service_cgroup_parent",
                "service_slot_cgroup_template", "gpus", "service_gpus"}) {
            docker.put(key, same(EMPTY, Kind.REFUSED, "containers run with the Docker Engine's defaults for "
                    + key + " on every host of this runner (its gateway refuses the others)"));
        }
        docker.put("cap_drop", ignored("containers keep the Docker Engine's default capabilities"));
        docker.put("helper_image", ignored(NO_HELPER));
        docker.put("helper_image_flavor", ignored(NO_HELPER));
        docker.put("helper_image_autoset_arch_and_os", ignored(NO_HELPER));
        docker.put("hostname", same(EMPTY, Kind.IGNORED, "containers get the Engine's hostname"));
        docker.put("mac_address", same(EMPTY, Kind.REFUSED, "containers get the Engine's MAC addresses"));
        docker.put("network_mtu", same(EMPTY, Kind.IGNORED, "a job's network uses the Engine's MTU"));
        docker.put("enable_ipv6", same(FALSE, Kind.IGNORED, "a job's network has no IPv6"));
        docker.put("user", same(EMPTY, Kind.REFUSED, "jobs run as their image's user, or image:docker:user"));
        docker.put("allowed_users", ignored("jobs run as their image's user, or image:docker:user"));
        docker.put("group_add", same(EMPTY, Kind.REFUSED, "jobs run with their image's groups"));
        docker.put("tmpfs", same(EMPTY, Kind.REFUSED, "tmpfs mounts are not supported"));
        docker.put("services_tmpfs", same(EMPTY, Kind.REFUSED, "tmpfs mounts are not supported"));
        docker.put("ulimit", same(EMPTY, Kind.REFUSED, "containers run with the Engine's ulimits"));
        docker.put("container_labels", ignored("containers carry this runner's own labels only"));
        docker.put("log_options", ignored("the json-file log options of job containers are the Engine's"));
        docker.put("services", same(EMPTY, Kind.REFUSED, "services are those of the job's .gitlab-ci.yml; runner-wide"
                + " services are not supported"));
        Map<String, Rule> autoscaler = section(Section.AUTOSCALER);
        autoscaler.put("plugin", ignored("the VMs come from this runner's provisioner (provisioner = ...), not a"
                + " fleeting plugin"));
        autoscaler.put("plugin_config", ignored("the provisioner is configured in [runners.provisioners.<id>]"));
        autoscaler.put("connector_config", ignored("a VM is reached through its Docker gateway over HTTPS"));
        autoscaler.put("vm_isolation", refused("VM isolation (macOS nesting) is not supported"));
        autoscaler.put("state_storage", ignored("the runner's journal keeps what it needs across restarts"));
        autoscaler.put("scale_throttle", ignored("creations are spaced by max_provisioning and min_launch_interval"));
        autoscaler.put("delete_instances_on_shutdown", same(value -> value.isBoolean() && value.booleanValue(),
                Kind.IGNORED, "idle VMs are always deleted when the runner stops"));
        autoscaler.put("instance_ready_command", refused("a VM is ready when its Docker gateway answers; a command"
                + " run on it is not supported"));
        for (String key : new String[] {"update_interval", "update_interval_when_expecting", "deletion_retry_interval",
                "shutdown_deletion_interval", "shutdown_deletion_retries", "failure_threshold", "reservation_throttling",
                "log_internal_ip", "log_external_ip", "instance_operation_time_buckets",
                "instance_creation_time_buckets", "instance_is_running_time_buckets", "instance_deletion_time_buckets",
                "instance_readiness_time_buckets", "instance_life_duration_buckets"}) {
            autoscaler.put(key, ignored("the host lifecycle has its own timings (poll_interval, boot_timeout)"));
        }

        Map<String, Rule> policy = section(Section.AUTOSCALER_POLICY);
        policy.put("preemptive_mode", same(value -> value.isBoolean() && value.booleanValue(), Kind.IGNORED,
                "the runner reserves room before it asks GitLab for a job whenever the policy keeps idle VMs"));
    }

    private GitLabRunnerKeys() {
    }

    private static Map<String, Rule> section(Section section) {
        return RULES.computeIfAbsent(section, s -> new HashMap<>());
    }

    private static Rule ignored(String reason) {
        return new Rule(NEVER, Kind.IGNORED, reason);
    }

    private static Rule refused(String reason) {
        return new Rule(NEVER, Kind.REFUSED, reason);
    }

    private static Rule same(Predicate<JsonNode> same, Kind otherwise, String reason) {
        return new Rule(same, otherwise, reason);
    }

    /** What becomes of {@code key = value} in {@code section}, or null when GitLab Runner does not document it. */
    static Outcome outcome(Section section, String key, JsonNode value) {
        Rule rule = RULES.getOrDefault(section, Map.of()).get(key);
        if (rule == null) {
            return null;
        }
        return rule.same().test(value) ? new Outcome(Kind.SAME, null) : new Outcome(rule.otherwise(), rule.reason());
    }
}
