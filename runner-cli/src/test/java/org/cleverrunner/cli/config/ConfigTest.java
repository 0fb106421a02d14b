package org.cleverrunner.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.cleverrunner.core.CacheSettings;
import org.cleverrunner.core.EngineSettings;
import org.cleverrunner.core.RunnerSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigTest {

    private static final String TOKEN = "glrt-abcdefgh1234567890xy";
    private static final String OTHER_TOKEN = "glrt-zyxwvuts0987654321ab";

    static final String FULL = """
            concurrent = 4
            check_interval = 5
            shutdown_timeout = 120
            log_level = "debug"
            log_format = "json"
            journal = "state/journal.json"

            [metrics]
            listen = "127.0.0.1:9252"

            [[runners]]
            name = "clever"
            url = "https://foss.heptapod.net"
            token = "%s"
            limit = 3
            request_concurrency = 2
            executor = "docker"
            provisioner = "clever-cloud"
            output_limit = 8192
            tls-ca-file = "/etc/ssl/extra-ca.pem"
              [runners.docker]
              image = "alpine:3.20"
              service_wait_timeout = 45
              host = "unix:///run/docker.sock"
              [runners.cache]
              Shared = true
              MaxUploadedArchiveSize = 0
                [runners.cache.s3]
                [runners.cache.gcs]
                [runners.cache.azure]
              [runners.provisioners.clever-cloud]
              organisation = "orga_123"
              max_flavor = "XL"
              [runners.provisioners.local-docker]
              host = "unix:///other.sock"

            [[runners]]
            name = "local"
            url = "http://gitlab.local:8080/"
            token = "%s"
            cache_dir = "/var/cache/clever-runner"
            """.formatted(TOKEN, OTHER_TOKEN);

    @TempDir
    Path dir;

    @Test
    void aFullConfigGivesTheEngineSettings() {
        Config config = Config.parse(FULL, dir.resolve("config.toml"));
        EngineSettings engine = config.engine();
        assertThat(engine.concurrent()).isEqualTo(4);
        assertThat(engine.checkInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(engine.shutdownTimeout()).isEqualTo(Duration.ofSeconds(120));
        assertThat(engine.journalFile()).isEqualTo(dir.resolve("state/journal.json"));
        assertThat(config.logLevel()).isEqualTo("debug");
        assertThat(config.logFormat()).isEqualTo("json");
        assertThat(config.metricsListen()).contains("127.0.0.1:9252");
        assertThat(engine.runners()).hasSize(2);

        RunnerSettings clever = engine.runners().get(0);
        assertThat(clever.name()).isEqualTo("clever");
        assertThat(clever.url()).isEqualTo("https://foss.heptapod.net");
        assertThat(clever.token().reveal()).isEqualTo(TOKEN);
        assertThat(clever.limit()).isEqualTo(3);
        assertThat(clever.requestConcurrency()).isEqualTo(2);
        assertThat(clever.executor()).isEqualTo("docker");
        assertThat(clever.provisioner()).isEqualTo("clever-cloud");
        assertThat(clever.outputLimitBytes()).isEqualTo(8192L * 1024);
        assertThat(clever.tls().caFile()).isEqualTo(Path.of("/etc/ssl/extra-ca.pem"));
        assertThat(clever.defaultImage()).isEqualTo("alpine:3.20");
        assertThat(clever.executorSettings().values()).containsEntry("service-wait-timeout", "45s")
                .containsEntry("host", "unix:///run/docker.sock").doesNotContainKey("image");
        assertThat(clever.executorSettings().getDuration("service-wait-timeout")).contains(Duration.ofSeconds(45));
        assertThat(clever.provisionerSettings().values())
                .isEqualTo(java.util.Map.of("organisation", "orga_123", "max-flavor", "XL"));
        // caches on this host, beside the journal by default; Shared drops the runner/<short token> part
        assertThat(clever.cache()).isEqualTo(CacheSettings.local(dir.resolve("state/cache"), true));

        RunnerSettings local = engine.runners().get(1);
        assertThat(local.executor()).isEqualTo("docker");
        assertThat(local.provisioner()).isEqualTo("local-docker");
        assertThat(local.limit()).isZero();
        assertThat(local.outputLimitBytes()).isEqualTo(4096L * 1024);
        assertThat(local.tls()).isNull();
        assertThat(local.cache()).isEqualTo(CacheSettings.local(Path.of("/var/cache/clever-runner"), false));
    }

    @Test
    void admissionKeysGiveTheRunnersAdmissionSettings() {
        Config config = Config.parse("""
                [[runners]]
                name = "cc"
                url = "https://gitlab.example.com"
                token = "glrt-admissionconfig"
                provisioner = "local-docker"
                weighted_quota = 120
                max_provisioning = 3
                min_launch_interval = 2
                """, dir.resolve("config.toml"));
        org.cleverrunner.core.AdmissionSettings admission = config.runners().get(0).admission();
        assertThat(admission.weightedQuota()).isEqualTo(120.0);
        assertThat(admission.maxProvisioning()).isEqualTo(3);
        assertThat(admission.minLaunchInterval()).isEqualTo(java.time.Duration.ofSeconds(2));
        assertThatThrownBy(() -> Config.parse("""
                [[runners]]
                name = "cc"
                url = "https://gitlab.example.com"
                token = "glrt-admissionconfig"
                weighted_quota = -1
                """, dir.resolve("config.toml"))).hasMessageContaining("runners[0].weighted_quota");
    }

    @Test
    void cleverCloudSectionWithPricesAndEnvironmentTables() {
        Config config = Config.parse("""
                [[runners]]
                name = "cc"
                url = "https://gitlab.example.com"
                token = "glrt-clevercloudconfig"
                provisioner = "clever-cloud"
                [runners.provisioners.clever-cloud]
                organisation = "orga_123"
                api_token = "cc-api-token-secret"
                max_flavor = "XL"
                [runners.provisioners.clever-cloud.price]
                XL = 1.1111
                M = 0.5556
                [runners.provisioners.clever-cloud.env]
                HTTP_PROXY = "http://proxy:3128"
                """, dir.resolve("config.toml"));
        var settings = config.runners().get(0).provisionerSettings();
        assertThat(settings.get("organisation")).contains("orga_123");
        assertThat(settings.get("max-flavor")).contains("XL");
        assertThat(settings.get("price.XL")).contains("1.1111");
        assertThat(settings.get("env.HTTP_PROXY")).contains("http://proxy:3128");
        assertThat(config.dump()).doesNotContain("cc-api-token-secret");
    }

    @Test
    void defaultsFollowGitLabRunnerAndTheJournalSitsNextToTheConfig() {
        Config config = Config.parse("", dir.resolve("config.toml"));
        assertThat(config.engine().concurrent()).isEqualTo(1);
        assertThat(config.engine().checkInterval()).isEqualTo(Duration.ofSeconds(3));
        assertThat(config.engine().shutdownTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.engine().journalFile()).isEqualTo(dir.resolve("clever-runner-journal.json"));
        assertThat(config.logLevel()).isEqualTo("info");
        assertThat(config.logFormat()).isEqualTo("text");
        assertThat(config.metricsListen()).isEmpty();
        assertThat(config.runners()).isEmpty();
    }

    @Test
    void dockerHostChoosesTheLocalDockerHostUnlessItsOwnSectionDoes() {
        Config config = Config.parse("""
                [[runners]]
                name = "a"
                url = "https://gitlab.example.com"
                token = "glrt-aaaaaaaaaaaa"
                [runners.docker]
                host = "tcp://10.0.0.2:2376"
                """, null);
        assertThat(config.runners().get(0).provisionerSettings().get("host")).contains("tcp://10.0.0.2:2376");
    }

    @Test
    void everyProblemIsReportedAtOnceWithItsPath() {
        String toml = """
                concurrent = 0
                check_intervall = 3
                log_level = "loud"

                [[runners]]
                name = "first"
                url = "ftp://gitlab.example.com"
                colour = "blue"
                  [runners.docker]
                  imag = "alpine"

                [[runners]]
                name = "second"
                url = "https://gitlab.example.com"
                token = "%s"
                limit = "four"
                request_concurrency = 0

                [[runners]]
                name = "third"
                url = "https://gitlab.example.com"
                token = "%s"
                limit = -1
                """.formatted(TOKEN, OTHER_TOKEN);
        ConfigException error = catchThrowableOfType(ConfigException.class,
                () -> Config.parse(toml, Path.of("/etc/clever-runner/config.toml")));
        assertThat(error.problems()).containsExactlyInAnyOrder(
                "check_intervall: unknown key (did you mean \"check_interval\"?)",
                "concurrent: must be an integer ≥ 1, got 0",
                "log_level: must be one of debug, error, fatal, info, panic, warn, warning, got \"loud\"",
                "runners[0].colour: unknown key",
                "runners[0].url: must be an http:// or https:// URL with a host, got \"ftp://gitlab.example.com\"",
                "runners[0].token: missing",
                "runners[0].docker.imag: unknown key (did you mean \"image\"?)",
                "runners[1].limit: must be an integer ≥ 0, got \"four\"",
                "runners[1].request_concurrency: must be an integer ≥ 1, got 0",
                "runners[2].limit: must be an integer ≥ 0, got -1");
        assertThat(error.getMessage()).startsWith("/etc/clever-runner/config.toml has 10 problems:\n")
                .contains("\n  runners[1].limit: must be an integer ≥ 0, got \"four\"")
                .doesNotContain(TOKEN).doesNotContain(OTHER_TOKEN);
        assertThat(error.getMessage().lines()).hasSize(11);
    }

    @Test
    void aTokenNoHttpHeaderCanCarryIsRefusedAtLoadWithoutItsValue() {
        // the README's placeholder, pasted as is: every job request would fail with a stack trace
        ConfigException error = catchThrowableOfType(ConfigException.class, () -> Config.parse("""
                [[runners]]
                name = "a"
                url = "https://gitlab.example.com"
                token = "glrt-…"
                [[runners]]
                name = "b"
                url = "https://gitlab.example.com"
                token = "glrt-secret part"
                """, null));
        assertThat(error.problems()).containsExactly("runners[0].token: character U+2026 at position 6 cannot be"
                + " sent in an HTTP header; give the whole token GitLab showed (glrt-…), or register to get one",
                "runners[1].token: character U+0020 at position 12 cannot be sent in an HTTP header; give the whole"
                        + " token GitLab showed (glrt-…), or register to get one");
        assertThat(error.getMessage()).doesNotContain("secret part");
    }

    @Test
    void wrongTypesAndDuplicateNamesAreReportedWithoutTheTokensValue() {
        ConfigException error = catchThrowableOfType(ConfigException.class, () -> Config.parse("""
                [metrics]
                listen = "nowhere"
                [[runners]]
                name = "a"
                url = "https://gitlab.example.com"
                token = 12345678
                [[runners]]
                name = "b"
                url = "https://gitlab.example.com"
                token = "glrt-bbbbbbbbbbbb"
                [runners.cache]
                Type = "nfs"
                [[runners]]
                name = "b"
                url = "https://gitlab.example.com"
                token = "glrt-cccccccccccc"
                tls-cert-file = "/cert.pem"
                """, null));
        assertThat(error.problems()).containsExactlyInAnyOrder(
                "metrics.listen: must be host:port with a port from 1 to 65535, got \"nowhere\"",
                "runners[0].token: must be a non-empty string",
                "runners[1].cache.Type: unknown cache type \"nfs\" (gitlab-runner's are s3, gcs and azure; s3 is"
                        + " supported); caches are kept on this host under " + Path.of("cache")
                        .toAbsolutePath() + "; remove Type or set \"s3\"",
                "runners[2].tls-key-file: missing (tls-cert-file needs its private key)");
        assertThat(error.getMessage()).doesNotContain("12345678");
    }

    @Test
    void aCacheThisRunnerCannotHonourIsRefusedWithTheReasonAndEveryProblemAtOnce() {
        ConfigException error = catchThrowableOfType(ConfigException.class, () -> Config.parse("""
                [[runners]]
                name = "s3"
                url = "https://gitlab.example.com"
                token = "glrt-s3s3s3s3s3s3"
                  [runners.cache]
                  Type = "s3"
                  Path = "../ci"
                  MaxUploadedArchiveSize = "a lot"
                    [runners.cache.s3]
                    ServerAddress = "cellar-c2.services.clever-cloud.com"
                    SecretKey = "s3cr3t-v4lue-never-shown"
                    BucketName = "runner_cache"
                    Insecure = "no"
                    AuthenticationType = "iam"
                    [runners.cache.gcs]
                    BucketName = "x"
                [[runners]]
                name = "gcs"
                url = "https://gitlab.example.com"
                token = "glrt-gcsgcsgcsgcs"
                cache_dir = "/srv/caches"
                  [runners.cache]
                  Type = "gcs"
                [[runners]]
                name = "azure"
                url = "https://gitlab.example.com"
                token = "glrt-azureazureaz"
                  [runners.cache]
                  Type = "azure"
                [[runners]]
                name = "s3-settings-without-type"
                url = "https://gitlab.example.com"
                token = "glrt-nonenonenone"
                  [runners.cache]
                  Type = "none"
                  Path = "ci"
                  MaxUploadedArchiveSize = 1000
                    [runners.cache.s3]
                    BucketName = "runner-cache"
                """, dir.resolve("config.toml")));

        String here = "caches are kept on this host under " + dir.resolve("cache");
        assertThat(error.problems()).containsExactlyInAnyOrder(
                "runners[0].cache.gcs: GCS settings are not used (Type is \"s3\"); remove [runners.cache.gcs] or"
                        + " leave it empty",
                "runners[0].cache.s3.AuthenticationType: must be access-key (iam needs an AWS instance profile,"
                        + " which a Clever Cloud host has not), got 'iam'",
                "runners[0].cache.s3.Insecure: must be true or false, got 'no'",
                "runners[0].cache.s3.AccessKey: required (with SecretKey), or CELLAR_ADDON_KEY_ID and"
                        + " CELLAR_ADDON_KEY_SECRET in the environment",
                "runners[0].cache.s3.BucketName: must be an S3 bucket name (3 to 63 lower-case letters, digits, dots"
                        + " and dashes; no '_'), got 'runner_cache'",
                "runners[0].cache.Path: must be an object-name prefix without '.', '..' or empty segments, got"
                        + " '../ci'",
                "runners[0].cache.MaxUploadedArchiveSize: must be a number of bytes ≥ 0 (0: no limit), got 'a lot'",
                "runners[1].cache.Type: \"gcs\" caches are not supported; caches are kept on this host under"
                        + " /srv/caches; remove Type and [runners.cache.gcs] from [runners.cache], or set"
                        + " runners[1].cache_dir to choose that directory",
                "runners[2].cache.Type: \"azure\" caches are not supported; " + here + "; remove Type and"
                        + " [runners.cache.azure] from [runners.cache], or set runners[2].cache_dir to choose that"
                        + " directory",
                "runners[3].cache.s3: S3 settings are not used; " + here + "; remove [runners.cache.s3] or leave it"
                        + " empty",
                "runners[3].cache.Path: the object-name prefix of a distributed cache (Type = \"s3\"); " + here
                        + "; remove Path",
                "runners[3].cache.MaxUploadedArchiveSize: limits uploads to a distributed cache (Type = \"s3\"); "
                        + here + "; remove it or set 0");
        assertThat(error.getMessage()).doesNotContain("s3cr3t-v4lue-never-shown");
    }

    @Test
    void anS3CacheIsHandedToTheS3Store() {
        Config config = Config.parse("""
                [[runners]]
                name = "cellar"
                url = "https://gitlab.example.com"
                token = "glrt-cellarcellarce"
                  [runners.cache]
                  Type = "s3"
                  Shared = true
                  Path = "fleet"
                  MaxUploadedArchiveSize = 0
                    [runners.cache.s3]
                    ServerAddress = "cellar-c2.services.clever-cloud.com:443"
                    AccessKey = "AKIAEXAMPLE"
                    SecretKey = "s3cr3t-v4lue-never-shown"
                    BucketName = "runner-cache"
                    BucketLocation = ""
                    AuthenticationType = "access-key"
                    [runners.cache.gcs]
                    [runners.cache.azure]
                """, dir.resolve("config.toml"));

        CacheSettings cache = config.engine().runners().get(0).cache();
        assertThat(cache.store()).isEqualTo("s3");
        assertThat(cache.shared()).isTrue();
        assertThat(cache.settings().prefix()).isEqualTo("runners[0].cache");
        assertThat(cache.settings().values()).containsEntry("Path", "fleet")
                .containsEntry("s3.BucketName", "runner-cache").containsEntry("s3.ServerAddress",
                        "cellar-c2.services.clever-cloud.com:443");
        assertThat(cache.settings().toString()).doesNotContain("s3cr3t-v4lue-never-shown");
    }

    @Test
    void theDependencyProxyIsOnByDefaultOnCleverCloudOnlyAndEachRunnerChooses() {
        String runner = """
                [[runners]]
                name = "r"
                url = "https://gitlab.example.com"
                token = "glrt-proxytest"
                """;
        java.util.function.Function<String, java.util.Optional<String>> proxy = extra -> Config.parse(runner + extra,
                dir.resolve("config.toml")).runners().get(0).executorSettings().get("dependency-proxy");

        assertThat(proxy.apply("")).isEmpty();
        assertThat(proxy.apply("provisioner = \"clever-cloud\"\n")).contains("group");
        assertThat(proxy.apply("provisioner = \"clever-cloud\"\n[runners.docker]\ndependency_proxy = false\n"))
                .isEmpty();
        assertThat(proxy.apply("[runners.docker]\ndependency_proxy = true\n")).contains("group");
        assertThat(proxy.apply("[runners.docker]\ndependency_proxy = true\ndependency_proxy_direct_group = true\n"))
                .contains("direct-group");
        ConfigException error = catchThrowableOfType(ConfigException.class, () -> Config.parse(runner
                + "[runners.docker]\ndependency_proxy = \"yes\"\n", null));
        assertThat(error.problems()).containsExactly(
                "runners[0].docker.dependency_proxy: must be true or false, got \"yes\"");
    }

    @Test
    void imageRulesAreReadAsGitLabRunnerWritesThem() {
        String runner = """
                [[runners]]
                name = "r"
                url = "https://gitlab.example.com"
                token = "glrt-rulestest"
                [runners.docker]
                """;
        var settings = Config.parse(runner + """
                pull_policy = ["always", "if-not-present"]
                allowed_pull_policies = ["if-not-present"]
                allowed_images = ["ruby:*", "registry.example.com/**"]
                allowed_services = ["postgres:*"]
                """, dir.resolve("config.toml")).runners().get(0).executorSettings();
        assertThat(settings.values()).containsEntry("pull-policy", "always\nif-not-present")
                .containsEntry("allowed-pull-policies", "if-not-present")
                .containsEntry("allowed-images", "ruby:*\nregistry.example.com/**")
                .containsEntry("allowed-services", "postgres:*");
        assertThat(Config.parse(runner + "pull_policy = \"never\"\n", null).runners().get(0).executorSettings()
                .get("pull-policy")).contains("never");

        ConfigException error = catchThrowableOfType(ConfigException.class, () -> Config.parse(runner + """
                pull_policy = "sometimes"
                allowed_images = "ruby:*"
                allowed_services = ["postgres:*", 3]
                """, null));
        assertThat(error.problems()).containsExactlyInAnyOrder(
                "runners[0].docker.pull_policy: \"sometimes\" is not a pull policy (always, if-not-present, never)",
                "runners[0].docker.allowed_images: must be an array of strings, got \"ruby:*\"",
                "runners[0].docker.allowed_services: every item must be a non-empty string on one line, got 3");
    }

    @Test
    void theAutoscalerSectionAsGitLabRunnerWritesItGivesTheWarmPool() {
        Config config = Config.parse("""
                [[runners]]
                name = "cc"
                url = "https://gitlab.example.com"
                token = "glrt-autoscalerconfig"
                provisioner = "clever-cloud"
                [runners.autoscaler]
                capacity_per_instance = 1
                instance_acquire_timeout = "5m"
                max_use_count = 10
                max_instances = 8
                reuse_scope = "group"
                [[runners.autoscaler.policy]]
                idle_count = 1
                idle_time = "20m"
                [[runners.autoscaler.policy]]
                periods = ["* 8-18 * * mon-fri", "* 9-12 * * sat"]
                timezone = "Europe/Paris"
                idle_count = { M = 4, XL = 1 }
                idle_time = "30m"
                scale_factor = 0.5
                scale_factor_limit = 6
                """, dir.resolve("config.toml"));
        var settings = config.runners().get(0).provisionerSettings();
        var pool = org.cleverrunner.core.hosts.pool.PolicySpec.fromSettings(settings);
        assertThat(pool.maxInstances()).isEqualTo(8);
        assertThat(pool.maxUses()).isEqualTo(10);
        assertThat(pool.acquireTimeout()).isEqualTo(java.time.Duration.ofMinutes(5));
        assertThat(pool.scope()).isEqualTo(org.cleverrunner.core.hosts.pool.PoolPolicy.Scope.GROUP);
        assertThat(pool.rules()).hasSize(2);
        var office = pool.rules().get(1);
        assertThat(office.idleCount()).containsEntry("M", 4).containsEntry("XL", 1);
        assertThat(office.idleTime()).isEqualTo(java.time.Duration.ofMinutes(30));
        assertThat(office.timezone()).isEqualTo(java.time.ZoneId.of("Europe/Paris"));
        assertThat(office.periods()).extracting(Object::toString).containsExactly("* 8-18 * * mon-fri",
                "* 9-12 * * sat");
        assertThat(office.scaleFactor()).isEqualTo(0.5);
        // the last matching rule wins: a Monday 10:00 in Paris is the office rule, a Sunday the first one
        assertThat(pool.ruleAt(java.time.Instant.parse("2026-12-07T09:00:00Z"))).isSameAs(office);
        assertThat(pool.ruleAt(java.time.Instant.parse("2026-12-06T09:00:00Z"))).isSameAs(pool.rules().get(0));
        // without the section there is no pool
        assertThat(org.cleverrunner.core.hosts.pool.PolicySpec.fromSettings(Config.parse("""
                [[runners]]
                name = "cc"
                url = "https://gitlab.example.com"
                token = "glrt-autoscalerconfig"
                """, dir.resolve("config.toml")).runners().get(0).provisionerSettings())).isNull();
    }

    @Test
    void autoscalerSettingsThatCannotHoldAreRefusedEachWithItsPath() {
        assertThatThrownBy(() -> Config.parse("""
                [[runners]]
                name = "cc"
                url = "https://gitlab.example.com"
                token = "glrt-autoscalerconfig"
                provisioner = "clever-cloud"
                [runners.autoscaler]
                capacity_per_instance = 2
                max_instances = 0
                reuse_scope = "team"
                instance_ready_command = "true"
                instance_acquire_timeout = "later"
                [[runners.autoscaler.policy]]
                idle_count = "lots"
                idle_time = "soon"
                periods = ["* 25 * * *"]
                timezone = "Mars/Olympus"
                """, dir.resolve("config.toml")))
                .hasMessageContaining("runners[0].autoscaler.instance_ready_command: a VM is ready when its Docker"
                        + " gateway answers")
                .hasMessageContaining("runners[0].autoscaler.capacity_per_instance: only 1 is supported")
                .hasMessageContaining("runners[0].autoscaler.max_instances")
                .hasMessageContaining("scope 'team' is not one of project, group, runner")
                .hasMessageContaining("instance_acquire_timeout 'later' is not a duration such as 15m")
                .hasMessageContaining("runners[0].autoscaler.policy[0].idle_count")
                .hasMessageContaining("idle_time 'soon' is not a duration")
                .hasMessageContaining("'25' is not a hour")
                .hasMessageContaining("timezone 'Mars/Olympus' is not a time zone");
    }

    @Test
    void cacheDirMustBeAnAbsolutePathAndTheDefaultIsBesideTheJournal() {
        String runner = """
                [[runners]]
                name = "r"
                url = "https://gitlab.example.com"
                token = "glrt-cachedirtest"
                """;
        ConfigException error = catchThrowableOfType(ConfigException.class, () -> Config.parse(runner
                + "cache_dir = \"relative/caches\"\n", dir.resolve("config.toml")));
        assertThat(error.problems()).containsExactly(
                "runners[0].cache_dir: must be an absolute path, got \"relative/caches\"");
        error = catchThrowableOfType(ConfigException.class, () -> Config.parse(runner + "cache_dir = 7\n", null));
        assertThat(error.problems()).containsExactly("runners[0].cache_dir: must be a string, got 7");

        assertThat(Config.parse(runner + "cache_dir = \"/srv/ci/../caches/\"\n", dir.resolve("config.toml"))
                .runners().get(0).cache()).isEqualTo(CacheSettings.local(Path.of("/srv/caches"), false));
        assertThat(Config.parse(runner, dir.resolve("config.toml")).runners().get(0).cache())
                .isEqualTo(CacheSettings.local(dir.resolve("cache"), false));
        assertThat(Config.parse("journal = \"/var/lib/clever-runner/journal.json\"\n" + runner,
                dir.resolve("config.toml")).runners().get(0).cache())
                .isEqualTo(CacheSettings.local(Path.of("/var/lib/clever-runner/cache"), false));
    }

    @Test
    void duplicateRunnerNamesAreRefused() {
        assertThatThrownBy(() -> Config.parse("""
                [[runners]]
                name = "a"
                url = "https://gitlab.example.com"
                token = "glrt-aaaaaaaaaaaa"
                [[runners]]
                name = "a"
                url = "https://gitlab.example.com"
                token = "glrt-bbbbbbbbbbbb"
                """, null)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("runners[1].name: \"a\" is already the name of runners[0]");
    }

    @Test
    void aSyntaxErrorGivesItsLine() {
        ConfigException error = catchThrowableOfType(ConfigException.class, () -> Config.parse("""
                concurrent = 1

                [[runners]]
                name = "a"
                token = "%s
                url = "https://gitlab.example.com"
                """.formatted(TOKEN), dir.resolve("config.toml")));
        assertThat(error.problems()).singleElement().asString().startsWith("line 5");
        assertThat(error.getMessage()).doesNotContain(TOKEN).doesNotContain("abcdefgh1234567890xy");
    }

    @Test
    void tokensAndSecretKeysAreAbsentFromToStringAndDumps() {
        Config config = Config.parse(FULL, dir.resolve("config.toml"));
        assertThat(config.toString()).doesNotContain(TOKEN).doesNotContain(OTHER_TOKEN).contains("clever");
        assertThat(config.dump()).doesNotContain(TOKEN).doesNotContain(OTHER_TOKEN)
                .contains("name = \"clever\"").contains("token = \"[MASKED]\"");
    }

    @Test
    void aWrittenConfigIsPrivateAndRoundTrips() throws IOException {
        Path file = dir.resolve("sub/config.toml");
        Config original = Config.parse(FULL, file);
        Config written = Config.write(file, original.tree());

        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.list(file.getParent())).containsExactly(file);
        Config reread = Config.load(file);
        assertThat(reread.tree()).isEqualTo(original.tree());
        assertThat(reread.engine()).usingRecursiveComparison().isEqualTo(original.engine());
        assertThat(written.runners()).hasSize(2);
        assertThat(Files.readString(file)).contains("[[runners]]", "[runners.docker]", "[runners.cache.s3]",
                "[runners.provisioners.clever-cloud]");

        Config.write(file, reread.treeWithoutRunners(Set.of("clever")));
        assertThat(Config.load(file).runners()).extracting(RunnerSettings::name).containsExactly("local");
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void anInvalidTreeIsNotWritten() {
        ObjectNode tree = Config.newTree();
        tree.put("concurrent", -2);
        Path file = dir.resolve("config.toml");
        assertThatThrownBy(() -> Config.write(file, tree)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("concurrent: must be an integer ≥ 1, got -2");
        assertThat(file).doesNotExist();
    }

    @Test
    void aMissingFileSaysHowToCreateIt() {
        assertThatThrownBy(() -> Config.load(dir.resolve("none.toml"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("clever-runner register");
    }

    @Test
    void reachabilityIsCheckedOnlyWhenAsked() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try (ServerSocket open = new ServerSocket(0)) {
            Config config = Config.parse("""
                    [[runners]]
                    name = "up"
                    url = "http://127.0.0.1:%d"
                    token = "glrt-aaaaaaaaaaaa"
                    [[runners]]
                    name = "down"
                    url = "http://127.0.0.1:%d"
                    token = "glrt-bbbbbbbbbbbb"
                    """.formatted(open.getLocalPort(), closedPort), null);
            List<String> problems = ConfigValidator.checkReachable(config.engine(), Duration.ofSeconds(2));
            assertThat(problems).singleElement().asString()
                    .startsWith("runners[1].url: cannot connect to 127.0.0.1:" + closedPort);
        }
    }

    @Test
    void theConfigPathFollowsOptionThenEnvironmentThenUser() {
        Path home = Path.of("/home/ci");
        assertThat(ConfigPaths.resolve("/x.toml", java.util.Map.of(ConfigPaths.CONFIG_ENV, "/y.toml"), false, home))
                .isEqualTo(Path.of("/x.toml"));
        assertThat(ConfigPaths.resolve(null, java.util.Map.of(ConfigPaths.CONFIG_ENV, "/y.toml"), true, home))
                .isEqualTo(Path.of("/y.toml"));
        assertThat(ConfigPaths.resolve(null, java.util.Map.of(), true, home)).isEqualTo(ConfigPaths.SYSTEM_CONFIG);
        assertThat(ConfigPaths.resolve(null, java.util.Map.of(), false, home))
                .isEqualTo(Path.of("/home/ci/.clever-runner/config.toml"));
    }

    @Test
    void theSystemIdHashesTheMachineIdOrIsKeptNextToTheConfig() throws IOException {
        Path machineId = Files.writeString(dir.resolve("machine-id"), "0123456789abcdef0123456789abcdef\n");
        String fromMachine = ConfigPaths.systemId(machineId, dir.resolve("config.toml"));
        assertThat(fromMachine).matches("s_[0-9a-f]{12}")
                .isEqualTo(ConfigPaths.systemId(machineId, dir.resolve("config.toml")));

        Path config = dir.resolve("etc/config.toml");
        String random = ConfigPaths.systemId(dir.resolve("no-machine-id"), config);
        assertThat(random).matches("r_[0-9A-Za-z]{12}");
        assertThat(ConfigPaths.systemId(dir.resolve("no-machine-id"), config)).isEqualTo(random);
        assertThat(dir.resolve("etc/.runner_system_id")).hasContent(random);
    }
}
