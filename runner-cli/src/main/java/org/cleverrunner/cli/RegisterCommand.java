package org.cleverrunner.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.cleverrunner.cli.config.Config;
import org.cleverrunner.cli.config.ConfigException;
import org.cleverrunner.cli.config.ConfigPaths;
import org.cleverrunner.coordinator.CoordinatorClient;
import org.cleverrunner.coordinator.CoordinatorException;
import org.cleverrunner.coordinator.RegistrationRequest;
import org.cleverrunner.coordinator.RunnerCredentials;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code register}: registers a runner with a registration token, or verifies a {@code glrt-} token created in
 * GitLab's UI, then adds its {@code [[runners]]} entry to config.toml (created if missing, mode 0600).
 */
@Command(name = "register", mixinStandardHelpOptions = true,
        description = {"Register a runner on a GitLab or Heptapod instance and add it to the config file.",
                "Tokens may come from REGISTRATION_TOKEN or CI_SERVER_TOKEN instead of the command line,"
                        + " to keep them out of shell history."})
public final class RegisterCommand implements Callable<Integer> {

    static final String REGISTRATION_TOKEN_ENV = "REGISTRATION_TOKEN";
    static final String RUNNER_TOKEN_ENV = "CI_SERVER_TOKEN";
    static final String URL_ENV = "CI_SERVER_URL";

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ConfigOption config = new ConfigOption();

    @Option(names = {"-u", "--url"}, paramLabel = "URL",
            description = "The GitLab or Heptapod URL, e.g. https://gitlab.example.com (default: $CI_SERVER_URL).")
    String url;

    @Option(names = {"-r", "--registration-token"}, paramLabel = "TOKEN",
            description = "A registration token (legacy registration; default: $REGISTRATION_TOKEN).")
    String registrationToken;

    @Option(names = {"-t", "--token"}, paramLabel = "glrt-…",
            description = "The token of a runner created in GitLab's UI (default: $CI_SERVER_TOKEN).")
    String token;

    @Option(names = {"-n", "--name", "--description"}, paramLabel = "NAME",
            description = "The runner's name (default: $RUNNER_NAME, else this machine's host name).")
    String name;

    @Option(names = "--tag-list", split = ",", paramLabel = "TAG",
            description = "Tags of the jobs it takes (registration token only; default: $RUNNER_TAG_LIST).")
    List<String> tags = List.of();

    @Option(names = "--run-untagged", description = "Also take untagged jobs (always so when there are no tags;"
            + " default: $REGISTER_RUN_UNTAGGED).")
    boolean runUntagged;

    @Option(names = "--locked", description = "Lock the runner to its current projects (registration token only;"
            + " default: $REGISTER_LOCKED).")
    boolean locked;

    @Option(names = "--executor", paramLabel = "ID",
            description = "The executor (default: $RUNNER_EXECUTOR, else docker).")
    String executor;

    @Option(names = "--provisioner", defaultValue = "local-docker", paramLabel = "ID",
            description = "Where each job's Docker host comes from: local-docker, clever-cloud… (default:"
                    + " ${DEFAULT-VALUE}).")
    String provisioner;

    @Option(names = "--docker-image", paramLabel = "IMAGE",
            description = "The image of jobs that name none (default: $DOCKER_IMAGE).")
    String dockerImage;

    @Option(names = "--non-interactive", hidden = true,
            description = "Accepted for gitlab-runner compatibility: register never asks questions.")
    boolean nonInteractive;

    Map<String, String> environment = System.getenv();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String coordinatorUrl = firstNonBlank(url, environment.get(URL_ENV));
        if (coordinatorUrl == null) {
            throw usage("Missing --url (or CI_SERVER_URL)");
        }
        if (!coordinatorUrl.startsWith("http://") && !coordinatorUrl.startsWith("https://")) {
            throw usage("--url must start with http:// or https://, got '" + coordinatorUrl + "'");
        }
        if (registrationToken != null && token != null) {
            throw usage("--registration-token and --token are mutually exclusive: give one");
        }
        // Options first, then the environment; --token / CI_SERVER_TOKEN always name a runner token.
        String runnerToken = firstNonBlank(token, registrationToken == null ? environment.get(RUNNER_TOKEN_ENV) : null);
        String secret = runnerToken != null ? runnerToken
                : firstNonBlank(registrationToken, environment.get(REGISTRATION_TOKEN_ENV));
        if (secret == null) {
            throw usage("Missing --token glrt-… or --registration-token (or CI_SERVER_TOKEN / REGISTRATION_TOKEN)");
        }
        // gitlab-runner's environment variables, for scripts written for it; options win
        String runnerName = firstNonBlank(name, environment.get("RUNNER_NAME"), hostName());
        List<String> runnerTags = !tags.isEmpty() ? tags : environment.getOrDefault("RUNNER_TAG_LIST", "").isBlank()
                ? List.of() : java.util.Arrays.stream(environment.get("RUNNER_TAG_LIST").split(","))
                        .map(String::strip).filter(tag -> !tag.isEmpty()).toList();
        boolean untagged = runUntagged || truthy(environment.get("REGISTER_RUN_UNTAGGED"));
        boolean lockedToProjects = locked || truthy(environment.get("REGISTER_LOCKED"));
        executor = firstNonBlank(executor, environment.get("RUNNER_EXECUTOR"), "docker");
        dockerImage = firstNonBlank(dockerImage, environment.get("DOCKER_IMAGE"));
        if (!runnerTags.isEmpty() && (runnerToken != null || Coordinators.isRunnerToken(secret))) {
            throw usage("--tag-list (or RUNNER_TAG_LIST) cannot be given with a runner authentication token (glrt-…):"
                    + " such a runner's tags are set in GitLab, where it was created");
        }
        Path path = config.resolve(environment);
        try {
            Config existing = Files.exists(path) ? Config.load(path) : null;
            if (existing != null && existing.runner(runnerName).isPresent()) {
                err.println("A runner named '" + runnerName + "' is already in " + path
                        + ": choose another --name or unregister it first.");
                return 1;
            }
            CoordinatorClient client = Coordinators.client(coordinatorUrl, null, executor);
            // A glrt- token is an authentication token even given as a registration token, as gitlab-runner treats it.
            boolean created = runnerToken == null && !Coordinators.isRunnerToken(secret);
            RunnerCredentials credentials = created
                    ? client.register(new RegistrationRequest(secret, runnerName, runnerTags,
                            untagged || runnerTags.isEmpty(), lockedToProjects, false, null, 0, null))
                    : client.verify(secret, ConfigPaths.systemId(path));
            ObjectNode runner = runnerTable(runnerName, coordinatorUrl, credentials);
            try {
                Config.write(path, existing == null ? Config.newTree().set("runners",
                        JsonNodeFactory.instance.arrayNode().add(runner)) : existing.treeWithRunner(runner));
            } catch (ConfigException e) {
                if (created) {
                    // Do not leave behind a runner that no config knows the token of.
                    try {
                        client.unregister(credentials.token());
                    } catch (CoordinatorException cleanup) {
                        err.println("The runner could not be removed from " + coordinatorUrl + " either: "
                                + cleanup.getMessage());
                    }
                }
                throw e;
            }
            out.println("Runner registered successfully: '" + runnerName + "' (" + executor + " executor, "
                    + provisioner + " provisioner) saved in " + path);
            return 0;
        } catch (ConfigException e) {
            err.println(e.getMessage());
            return 1;
        } catch (CoordinatorException e) {
            err.println("Registration failed: " + e.getMessage());
            return 1;
        }
    }

    private ObjectNode runnerTable(String runnerName, String coordinatorUrl, RunnerCredentials credentials) {
        ObjectNode runner = JsonNodeFactory.instance.objectNode();
        runner.put("name", runnerName);
        runner.put("url", coordinatorUrl);
        if (credentials.id() > 0) {
            runner.put("id", credentials.id());
        }
        runner.put("token", credentials.token());
        runner.put("executor", executor);
        runner.put("provisioner", provisioner);
        if (dockerImage != null && !dockerImage.isBlank()) {
            runner.putObject("docker").put("image", dockerImage);
        }
        return runner;
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "clever-runner";
        }
    }

    static String firstNonBlank(String... values) {
        return Arrays.stream(values).filter(value -> value != null && !value.isBlank()).findFirst().orElse(null);
    }

    private static boolean truthy(String value) {
        return value != null && org.cleverrunner.cli.config.FeatureFlags.truthy(value);
    }
}
