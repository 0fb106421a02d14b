package org.cleverrunner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.cleverrunner.cli.config.Config;
import org.cleverrunner.cli.config.ConfigPaths;
import org.cleverrunner.core.RunnerSettings;
import org.cleverrunner.testkit.FakeCoordinator;
import org.cleverrunner.testkit.RunnerHandle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ManagementCommandsTest {

    private static final String REGISTRATION_TOKEN = "GR1348941registration-secret";

    static FakeCoordinator gitlab;

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeAll
    static void start() {
        gitlab = FakeCoordinator.builder().start();
        gitlab.addRegistrationToken(REGISTRATION_TOKEN);
    }

    @AfterAll
    static void stop() {
        gitlab.close();
    }

    private int run(Callable<Integer> command, Map<String, String> environment, String... args) {
        if (command instanceof RegisterCommand register) {
            register.environment = environment;
        } else if (command instanceof ConfigCommand configCommand) {
            configCommand.environment = environment;
        }
        CommandLine line = new CommandLine(command);
        line.setOut(new PrintWriter(out, true));
        line.setErr(new PrintWriter(err, true));
        return line.execute(args);
    }

    private int run(Callable<Integer> command, String... args) {
        return run(command, Map.of(), args);
    }

    @Test
    void registerWithARegistrationTokenWritesAPrivateConfigWithTheRunnersToken() throws IOException {
        Path config = dir.resolve("etc/config.toml");
        int code = run(new RegisterCommand(), "--config", config.toString(), "--url", gitlab.serverUrl(),
                "--registration-token", REGISTRATION_TOKEN, "--name", "ci-1", "--tag-list", "clever-cloud,docker",
                "--provisioner", "clever-cloud", "--docker-image", "alpine:3.20");

        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).contains("Runner registered successfully").doesNotContain("glrt-")
                .doesNotContain(REGISTRATION_TOKEN);
        assertThat(Files.getPosixFilePermissions(config)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        RunnerHandle created = gitlab.runners().stream().filter(r -> "ci-1".equals(r.description())).findFirst()
                .orElseThrow();
        assertThat(created.tags()).containsExactlyInAnyOrder("clever-cloud", "docker");
        assertThat(out.toString()).doesNotContain(created.token());

        Config written = Config.load(config);
        assertThat(written.engine().concurrent()).isEqualTo(1);
        RunnerSettings runner = written.runner("ci-1").orElseThrow();
        // Rails gives a registration token's runner a t1_ token, glrt- being for runners created in GitLab
        assertThat(runner.token().reveal()).startsWith("t1_").isEqualTo(created.token());
        assertThat(runner.url()).isEqualTo(gitlab.serverUrl());
        assertThat(runner.executor()).isEqualTo("docker");
        assertThat(runner.provisioner()).isEqualTo("clever-cloud");
        assertThat(runner.defaultImage()).isEqualTo("alpine:3.20");
        assertThat(Files.readString(config)).startsWith("concurrent = 1\ncheck_interval = 3\n");
    }

    @Test
    void registerReadsGitLabRunnersEnvironmentVariablesAndRefusesTagsWithARunnerToken() throws IOException {
        Path config = dir.resolve("env/config.toml");
        Map<String, String> env = Map.of("CI_SERVER_URL", gitlab.serverUrl(), "REGISTRATION_TOKEN",
                REGISTRATION_TOKEN, "RUNNER_NAME", "from-env", "RUNNER_TAG_LIST", "linux, docker",
                "REGISTER_RUN_UNTAGGED", "true", "REGISTER_LOCKED", "1", "RUNNER_EXECUTOR", "docker",
                "DOCKER_IMAGE", "alpine:3.21");
        int code = run(new RegisterCommand(), env, "--config", config.toString());

        assertThat(code).as(err.toString()).isZero();
        RunnerHandle created = gitlab.runners().stream().filter(r -> "from-env".equals(r.description()))
                .findFirst().orElseThrow();
        assertThat(created.tags()).containsExactlyInAnyOrder("linux", "docker");
        assertThat(created.runUntagged()).isTrue();
        // GitLab's register API field, as sent
        assertThat(gitlab.requests(org.cleverrunner.testkit.Endpoint.REGISTER)).map(r -> r.bodyText())
                .filteredOn(body -> body.contains("\"description\":\"from-env\"")).singleElement().asString()
                .contains("\"locked\":true", "\"run_untagged\":true");
        assertThat(Config.load(config).runner("from-env").orElseThrow().defaultImage()).isEqualTo("alpine:3.21");

        RunnerHandle existing = gitlab.addRunner(Set.of(), true);
        err.getBuffer().setLength(0);
        code = run(new RegisterCommand(), Map.of(), "--config", dir.resolve("other.toml").toString(), "--url",
                gitlab.serverUrl(), "--token", existing.token(), "--tag-list", "linux");
        assertThat(code).isNotZero();
        assertThat(err.toString()).contains("--tag-list (or RUNNER_TAG_LIST) cannot be given with a runner"
                + " authentication token").doesNotContain(existing.token());
        assertThat(dir.resolve("other.toml")).doesNotExist();
    }

    @Test
    void resetTokenSavesTheNewTokenWhichGitLabThenAcceptsAndStatusSaysNotRunning() throws IOException {
        RunnerHandle runner = gitlab.addRunner(Set.of(), true);
        String old = runner.token();
        Path config = dir.resolve("reset/config.toml");
        assertThat(run(new RegisterCommand(), Map.of(), "--config", config.toString(), "--url", gitlab.serverUrl(),
                "--token", old, "--name", "rotating")).as(err.toString()).isZero();

        int code = run(new ResetTokenCommand(), Map.of(), "--config", config.toString(), "--name", "rotating");

        assertThat(code).as(err.toString()).isZero();
        String saved = Config.load(config).runner("rotating").orElseThrow().token().reveal();
        assertThat(saved).startsWith("glrt-").isNotEqualTo(old).isEqualTo(runner.token());
        assertThat(Files.readString(config)).contains("token_obtained_at").contains("token_expires_at");
        assertThat(out.toString()).contains("rotating: new token saved").doesNotContain(saved).doesNotContain(old);
        // GitLab takes the new one
        assertThat(run(new VerifyCommand(), Map.of(), "--config", config.toString())).isZero();
        assertThat(run(new ResetTokenCommand(), Map.of(), "--config", config.toString())).isNotZero();
        assertThat(err.toString()).contains("give --name NAME or --all-runners");

        out.getBuffer().setLength(0);
        assertThat(run(new StatusCommand(), Map.of(), "--config", config.toString())).isEqualTo(1);
        assertThat(out.toString()).contains("clever-runner: not running");
    }

    @Test
    void registerWithARunnerTokenFromTheEnvironmentVerifiesItAndAppends() throws IOException {
        RunnerHandle first = gitlab.addRunner(Set.of(), true);
        RunnerHandle second = gitlab.addRunner(Set.of(), true);
        Path config = dir.resolve("config.toml");
        Map<String, String> env = Map.of(ConfigPaths.CONFIG_ENV, config.toString());

        assertThat(run(new RegisterCommand(), env, "--url", gitlab.serverUrl(), "--token", first.token(),
                "--name", "one")).as(err.toString()).isZero();
        assertThat(run(new RegisterCommand(), Map.of(ConfigPaths.CONFIG_ENV, config.toString(), "CI_SERVER_TOKEN",
                second.token()), "--url", gitlab.serverUrl(), "--name", "two")).as(err.toString()).isZero();

        assertThat(first.systemIds()).containsExactly(ConfigPaths.systemId(config));
        assertThat(second.systemIds()).hasSize(1);
        assertThat(Config.load(config).runners()).extracting(RunnerSettings::name).containsExactly("one", "two");
        assertThat(Config.load(config).runner("two").orElseThrow().token().reveal()).isEqualTo(second.token());
        assertThat(out.toString()).doesNotContain(first.token()).doesNotContain(second.token());

        // The same name twice is refused before asking GitLab anything.
        assertThat(run(new RegisterCommand(), env, "--url", gitlab.serverUrl(), "--token", first.token(),
                "--name", "one")).isEqualTo(1);
        assertThat(err.toString()).contains("already in");
    }

    @Test
    void aRunnerTokenGivenAsRegistrationTokenIsVerifiedNotRegistered() {
        RunnerHandle created = gitlab.addRunner(Set.of(), true);
        int runnersBefore = gitlab.runners().size();
        Path config = dir.resolve("config.toml");
        assertThat(run(new RegisterCommand(), Map.of("REGISTRATION_TOKEN", created.token()), "--config",
                config.toString(), "--url", gitlab.serverUrl(), "--name", "ui-made")).as(err.toString()).isZero();
        assertThat(gitlab.runners()).hasSize(runnersBefore);
        assertThat(created.systemIds()).hasSize(1);
        assertThat(Config.load(config).runner("ui-made").orElseThrow().token().reveal()).isEqualTo(created.token());
    }

    @Test
    void aRefusedRegistrationTokenWritesNothing() {
        Path config = dir.resolve("config.toml");
        assertThat(run(new RegisterCommand(), "--config", config.toString(), "--url", gitlab.serverUrl(),
                "--registration-token", "GR1348941wrong-token-value")).isEqualTo(1);
        assertThat(err.toString()).contains("Registration failed").doesNotContain("wrong-token-value");
        assertThat(config).doesNotExist();
    }

    @Test
    void verifyListAndUnregister() throws IOException {
        RunnerHandle good = gitlab.addRunner(Set.of(), true);
        Path config = dir.resolve("config.toml");
        Config.write(config, Config.parse("""
                concurrent = 2
                [[runners]]
                name = "good"
                url = "%s"
                token = "%s"
                [[runners]]
                name = "stale"
                url = "%s"
                token = "glrt-nobodyknowsthisone"
                provisioner = "clever-cloud"
                """.formatted(gitlab.serverUrl(), good.token(), gitlab.serverUrl()), config).tree());
        String path = config.toString();

        assertThat(run(new ListCommand(), "--config", path)).isZero();
        String shortId = good.token().substring(5, 13);
        assertThat(out.toString()).contains("good", "Executor=docker", "Provisioner=local-docker",
                "URL=" + gitlab.serverUrl(), "Token=glrt-" + shortId + "…", "Provisioner=clever-cloud",
                "Token=glrt-nobodykn…").doesNotContain(good.token()).doesNotContain("glrt-nobodyknowsthisone");

        out.getBuffer().setLength(0);
        assertThat(run(new VerifyCommand(), "--config", path, "--name", "good")).isZero();
        assertThat(out.toString()).contains("good: ok").doesNotContain("stale");
        out.getBuffer().setLength(0);
        assertThat(run(new VerifyCommand(), "--config", path)).isEqualTo(1);
        assertThat(out.toString()).contains("good: ok", "stale: refused").doesNotContain("nobodyknowsthisone");

        // verify created this machine's runner manager; a glrt- runner (created in GitLab) loses that manager
        // only, as gitlab-runner unregisters it: the runner stays in GitLab for its other managers
        String systemId = ConfigPaths.systemId(config);
        assertThat(good.systemIds()).containsExactly(systemId);
        out.getBuffer().setLength(0);
        assertThat(run(new UnregisterCommand(), "--config", path, "--name", "good")).as(err.toString()).isZero();
        assertThat(out.toString()).contains("good: runner manager " + systemId + " deleted from "
                + gitlab.serverUrl(), "the runner itself stays in GitLab").doesNotContain(good.token());
        assertThat(good.systemIds()).isEmpty();
        assertThat(gitlab.runners()).anyMatch(runner -> runner.token().equals(good.token()));
        assertThat(Config.load(config).runners()).extracting(RunnerSettings::name).containsExactly("stale");
        assertThat(Config.load(config).engine().concurrent()).isEqualTo(2);
        assertThat(Files.getPosixFilePermissions(config)).isEqualTo(PosixFilePermissions.fromString("rw-------"));

        assertThat(run(new UnregisterCommand(), "--config", path, "--all-runners")).isZero();
        assertThat(Config.load(config).runners()).isEmpty();
    }

    @Test
    void unregisterDeletesARunnerOfARegistrationTokenAndKeepsAGlrtRunnerWithoutManagerHere() throws IOException {
        // a registration-token runner's token has no glrt- prefix (Rails gives glrt- to runners created in the UI)
        RunnerHandle legacy = gitlab.addRunner("t1_legacyRunnerToken0123", Set.of(), true);
        RunnerHandle created = gitlab.addRunner(Set.of(), true);
        Path config = dir.resolve("config.toml");
        Config.write(config, Config.parse("""
                [[runners]]
                name = "legacy"
                url = "%1$s"
                token = "%2$s"
                [[runners]]
                name = "created"
                url = "%1$s"
                token = "%3$s"
                """.formatted(gitlab.serverUrl(), legacy.token(), created.token()), config).tree());

        assertThat(run(new UnregisterCommand(), "--config", config.toString(), "--all-runners"))
                .as(err.toString()).isZero();

        assertThat(gitlab.runners()).noneMatch(runner -> runner.token().equals(legacy.token()))
                .anyMatch(runner -> runner.token().equals(created.token()));
        // no verify ran from this machine: GitLab answers 404, nothing is left to delete here, the entry goes
        assertThat(out.toString()).contains("legacy: unregistered from " + gitlab.serverUrl(),
                "created: no runner manager " + ConfigPaths.systemId(config) + " on " + gitlab.serverUrl())
                .doesNotContain(legacy.token()).doesNotContain(created.token());
        assertThat(gitlab.requests()).filteredOn(r -> "DELETE".equals(r.method())
                        && (legacy.token().equals(r.header("RUNNER-TOKEN"))
                        || created.token().equals(r.header("RUNNER-TOKEN"))))
                .extracting(r -> r.path() + " " + r.status())
                .containsExactly("/api/v4/runners 204", "/api/v4/runners/managers 404");
        assertThat(Config.load(config).runners()).isEmpty();
    }

    @Test
    void misuseExitsWithTwo() {
        Path config = dir.resolve("config.toml");
        assertThat(run(new RegisterCommand(), "--config", config.toString(), "--url", gitlab.serverUrl()))
                .isEqualTo(2);
        assertThat(err.toString()).contains("Missing --token");
        assertThat(run(new RegisterCommand(), "--url", "gitlab.example.com", "--token", "glrt-x")).isEqualTo(2);
        assertThat(run(new RegisterCommand(), "--url", gitlab.serverUrl(), "--token", "glrt-abcdef",
                "--registration-token", "GR1348941abc")).isEqualTo(2);
        assertThat(run(new UnregisterCommand(), "--config", config.toString())).isEqualTo(2);
        assertThat(run(new UnregisterCommand(), "--config", config.toString(), "--name", "a", "--all-runners"))
                .isEqualTo(2);
        assertThat(run(new ListCommand(), "--bogus")).isEqualTo(2);
        assertThat(Main.execute("register", "--no-such-option")).isEqualTo(2);
        assertThat(config).doesNotExist();
    }

    @Test
    void listMasksTheCredentialsOfARunnersUrl() throws IOException {
        Path config = dir.resolve("config.toml");
        Files.writeString(config, """
                [[runners]]
                name = "behind-auth"
                url = "https://deploy:pr0xy-s3cret@gitlab.example.com"
                token = "glrt-nobodyknowsthisone"
                """);
        assertThat(run(new ListCommand(), "--config", config.toString())).isZero();
        assertThat(out.toString()).contains("URL=https://[MASKED]@gitlab.example.com").doesNotContain("pr0xy-s3cret");
    }

    @Test
    void aMissingConfigIsAnErrorNotAUsageError() {
        assertThat(run(new ListCommand(), "--config", dir.resolve("none.toml").toString())).isEqualTo(1);
        assertThat(err.toString()).contains("no such file");
        assertThat(run(new VerifyCommand(), "--config", dir.resolve("none.toml").toString())).isEqualTo(1);
    }
}
