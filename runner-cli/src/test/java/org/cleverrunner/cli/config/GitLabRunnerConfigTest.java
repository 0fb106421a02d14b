package org.cleverrunner.cli.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * GitLab Runner's own documented config.toml examples (test resources under gitlab-runner/, copied from its docs and
 * repository) fed to this runner's validation: every key gets an outcome (honoured, ignored with a reason, or
 * refused with a reason), none is a bare "unknown key", and the table of outcomes is printed.
 */
class GitLabRunnerConfigTest {

    /** Each key path of the file with what became of it: "honoured", "ignored: …" or "refused: …". */
    static Map<String, String> outcomes(String resource) throws IOException {
        String toml;
        try (InputStream in = GitLabRunnerConfigTest.class.getResourceAsStream("/gitlab-runner/" + resource)) {
            toml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        ObjectNode tree = Config.readTree(toml, Path.of(resource));
        ConfigValidator.Report report = ConfigValidator.report(tree, Path.of("/etc/clever-runner/" + resource));
        // whatever key a problem names, none is refused without a reason
        assertThat(report.problems()).noneMatch(problem -> problem.endsWith("unknown key"));
        Map<String, String> outcomes = new LinkedHashMap<>();
        walk(tree, "", report, outcomes, null);
        StringBuilder table = new StringBuilder("outcome of every key of GitLab Runner's " + resource + ":\n");
        outcomes.forEach((key, outcome) -> table.append(String.format("  %-45s %s%n", key, outcome)));
        System.out.print(table);
        return outcomes;
    }

    private static void walk(JsonNode node, String path, ConfigValidator.Report report, Map<String, String> outcomes,
            String inherited) {
        node.fields().forEachRemaining(entry -> {
            String key = path.isEmpty() ? entry.getKey() : path + "." + entry.getKey();
            String outcome = inherited != null ? inherited : outcome(key, report);
            JsonNode value = entry.getValue();
            if (value.isObject() && !value.isEmpty()) {
                // a table refused or ignored as a whole gives its keys its outcome
                walk(value, key, report, outcomes, outcome.equals("honoured") ? null : outcome);
            } else if (value.isArray() && !value.isEmpty() && value.get(0).isObject()) {
                for (int i = 0; i < value.size(); i++) {
                    walk(value.get(i), key + "[" + i + "]", report, outcomes,
                            outcome.equals("honoured") ? null : outcome);
                }
            } else {
                outcomes.put(key, outcome);
            }
        });
    }

    private static String outcome(String key, ConfigValidator.Report report) {
        List<String> said = new ArrayList<>();
        for (String problem : report.problems()) {
            if (problem.startsWith(key + ":") || problem.startsWith(key + " ")) {
                said.add("refused: " + problem.substring(key.length() + 1).strip());
            }
        }
        for (String warning : report.warnings()) {
            if (warning.startsWith(key + ":")) {
                said.add(warning.substring(key.length() + 1).strip());
            }
        }
        assertThat(said).as("one outcome for " + key).hasSizeLessThanOrEqualTo(1);
        return said.isEmpty() ? "honoured" : said.get(0);
    }

    @Test
    void everyKeyOfTheAdvancedConfigurationExampleHasAnOutcomeAndAReason() throws IOException {
        Map<String, String> outcomes = outcomes("advanced-configuration.toml");

        assertThat(outcomes).hasSizeGreaterThan(60);
        assertThat(outcomes.values()).noneMatch(outcome -> outcome.contains("unknown key"));
        assertThat(outcomes.values()).filteredOn(outcome -> !outcome.equals("honoured"))
                .allMatch(outcome -> outcome.length() > "refused: ".length() + 20, "a reason, not a bare word");
        // what this runner does anyway, and what it now honours, passes without a word
        assertThat(outcomes).containsEntry("log_level", "honoured").containsEntry("runners[0].docker.privileged",
                "honoured").containsEntry("runners[0].environment", "honoured")
                .containsEntry("runners[0].clone_url", "honoured").containsEntry("runners[0].shell", "honoured")
                .containsEntry("runners[0].builds_dir", "honoured")
                .containsEntry("runners[0].docker.wait_for_services_timeout", "honoured")
                .containsEntry("runners[0].docker.oom_kill_disable", "honoured")
                .containsEntry("runners[0].docker.allowed_images", "honoured")
                // the Docker API takes these as they are: HostConfig of the job's containers, of its services
                .containsEntry("runners[0].docker.cpuset_cpus", "honoured")
                .containsEntry("runners[0].docker.cpuset_mems", "honoured")
                .containsEntry("runners[0].docker.service_memory", "honoured")
                .containsEntry("runners[0].docker.service_memory_swap", "honoured")
                .containsEntry("runners[0].docker.service_memory_reservation", "honoured")
                .containsEntry("runners[0].docker.service_cpuset_cpus", "honoured")
                .containsEntry("runners[0].docker.service_cpus", "honoured");
        // what would let a job reach its host is refused, saying so
        assertThat(outcomes.get("runners[0].docker.cap_add")).startsWith("refused: ").contains("gateway refuses");
        assertThat(outcomes.get("runners[0].docker.volumes")).startsWith("refused: ").contains("never reaches");
        assertThat(outcomes.get("runners[0].docker.devices")).startsWith("refused: ");
        assertThat(outcomes.get("session_server.listen_address")).startsWith("refused: ")
                .contains("web terminal");
        // what has no effect here is accepted with a warning naming why
        assertThat(outcomes.get("runners[0].docker.cap_drop")).startsWith("ignored: ");
        assertThat(outcomes.get("runners[0].docker.log_options.env")).startsWith("ignored: ");
        assertThat(outcomes.get("runners[0].docker.disable_cache")).startsWith("ignored: ");
    }

    @Test
    void gitlabRunnersOwnExampleFileSaysWhyItsShellAndSshRunnersCannotRunHere() throws IOException {
        Map<String, String> outcomes = outcomes("config.toml.example");

        assertThat(outcomes.values()).noneMatch(outcome -> outcome.contains("unknown key"));
        assertThat(outcomes.get("runners[0].executor")).startsWith("refused: ").contains("\"shell\" is not an"
                + " executor of this runner").contains("docker");
        assertThat(outcomes.get("runners[2].executor")).startsWith("refused: ");
        assertThat(outcomes.get("runners[2].ssh.host")).startsWith("refused: ").contains("docker executor");
        assertThat(outcomes).containsEntry("runners[1].docker.privileged", "honoured")
                .containsEntry("runners[1].docker.cache_dir", "honoured").containsEntry("runners[1].limit", "honoured");
    }

    @Test
    void aValueOtherThanWhatThisRunnerDoesIsRefusedWithTheReason() {
        ConfigValidator.Report report = ConfigValidator.report(Config.readTree("""
                concurrent = 1
                log_level = "panic"
                listen_address = "127.0.0.1:9252"
                [[runners]]
                name = "r"
                url = "https://gitlab.example.com"
                token = "glrt-abc"
                executor = "docker+machine"
                pre_clone_script = "git config --global http.sslVerify false"
                environment = ["NOT A VARIABLE"]
                [runners.feature_flags]
                FF_NETWORK_PER_BUILD = true
                FF_USE_FASTZIP = true
                FF_TIMESTAMPS = true
                [runners.docker]
                privileged = true
                wait_for_services_timeout = -1
                memory = "lots"
                extra_hosts = ["db.internal"]
                """, null), null);

        assertThat(report.problems()).anyMatch(p -> p.startsWith("runners[0].docker.privileged: privileged"
                + " containers are refused"))
                .anyMatch(p -> p.startsWith("runners[0].executor: \"docker+machine\" is not an executor")
                        && p.contains("[runners.autoscaler]"))
                .anyMatch(p -> p.startsWith("runners[0].pre_clone_script: gitlab-runner 17.0 renamed it"))
                .anyMatch(p -> p.startsWith("runners[0].environment: ") && p.contains("KEY=value"))
                .anyMatch(p -> p.equals("runners[0].docker.memory: \"lots\" is not a size such as 512m or 2g"))
                .noneMatch(p -> p.contains("log_level") || p.contains("listen_address")
                        || p.contains("wait_for_services_timeout"));
        // two flags describe this runner, two do not: those are named
        assertThat(report.warnings()).containsExactly("runners[0].feature_flags: ignored, this runner behaves"
                + " otherwise: FF_TIMESTAMPS=true, FF_USE_FASTZIP=true");
    }

    @Test
    void theDocumentedKeysTheExamplesLackHaveTheirOutcomeToo() {
        // advanced-configuration's tables document these; its example blocks do not set them
        ConfigValidator.Report report = ConfigValidator.report(Config.readTree("""
                [[runners]]
                name = "r"
                url = "https://gitlab.example.com"
                token = "glrt-abc"
                pre_get_sources_script = "git config --global http.postBuffer 524288000"
                post_get_sources_script = "git lfs pull"
                [runners.docker]
                cpu_shares = 512
                service_cpu_shares = 256
                service_gpus = "all"
                """, null), null);

        assertThat(report.problems()).hasSize(3)
                .anyMatch(p -> p.startsWith("runners[0].pre_get_sources_script: this runner fetches the sources"
                        + " itself, on the runner's host, then ships them to the job's host")
                        && p.contains("pre_build_script"))
                .anyMatch(p -> p.startsWith("runners[0].post_get_sources_script: ") && p.contains("pre_build_script"))
                .anyMatch(p -> p.startsWith("runners[0].docker.service_gpus: "))
                .noneMatch(p -> p.contains("cpu_shares") || p.contains("unknown key"));
        assertThat(report.warnings()).isEmpty();
    }

    @Test
    void badCpusetsAndSharesAreRefusedInConfigTomlsSpelling() {
        ConfigValidator.Report report = ConfigValidator.report(Config.readTree("""
                [[runners]]
                name = "r"
                url = "https://gitlab.example.com"
                token = "glrt-abc"
                [runners.docker]
                cpuset_cpus = "0:3"
                cpu_shares = -2
                """, null), null);

        assertThat(report.problems()).containsExactlyInAnyOrder(
                "runners[0].docker.cpu_shares: must be a number of CPU shares ≥ 0, got -2",
                "runners[0].docker.cpuset_cpus: \"0:3\" is not a list of CPUs or nodes such as \"0-3\" or \"0,2\"");
    }

    @Test
    void gitlabRunnersLevelsFormatsAndListenAddressAreReadAsItsOwn() {
        Config config = Config.parse("""
                log_level = "warning"
                log_format = "runner"
                listen_address = "127.0.0.1:9252"
                """, null);
        assertThat(config.logLevel()).isEqualTo("warn");
        assertThat(config.logFormat()).isEqualTo("text");
        assertThat(config.metricsListen()).contains("127.0.0.1:9252");
        assertThat(Config.parse("log_level = \"fatal\"\n", null).logLevel()).isEqualTo("error");
    }

    @Test
    void aProvisionersOwnKeysAreCheckedByTheProvisionerWithASuggestion() {
        ConfigValidator.Report report = ConfigValidator.report(Config.readTree("""
                [[runners]]
                name = "vm"
                url = "https://gitlab.example.com"
                token = "glrt-abc"
                provisioner = "clever-cloud"
                [runners.provisioners.clever-cloud]
                organisation = "orga_1"
                max_flavour = "XL"
                poll_interval = "soon"
                [runners.provisioners.clever-cloud.price]
                XL = "expensive"
                [[runners]]
                name = "local"
                url = "https://gitlab.example.com"
                token = "glrt-def"
                [runners.provisioners.local-docker]
                hots = "unix:///run/docker.sock"
                """, null), null);

        assertThat(report.problems()).contains(
                "runners[0].provisioners.clever-cloud.max_flavour: unknown key (did you mean \"max_flavor\"?)",
                "runners[0].provisioners.clever-cloud.price.XL: must be a number (per hour), got 'expensive'",
                "runners[1].provisioners.local-docker.hots: unknown key (did you mean \"host\"?)")
                .containsOnlyOnce("setting 'runners[0].provisioners.clever-cloud.poll_interval' must be a duration"
                        + " such as 30s, 5m or PT1H, got 'soon'");
    }
}
