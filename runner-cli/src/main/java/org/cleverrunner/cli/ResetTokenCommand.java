package org.cleverrunner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import org.cleverrunner.cli.config.Config;
import org.cleverrunner.coordinator.CoordinatorException;
import org.cleverrunner.coordinator.RunnerCredentials;
import org.cleverrunner.core.RunnerSettings;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code reset-token}: as gitlab-runner's, asks GitLab for a new authentication token for the named runner (or every
 * runner), with the current token, and writes it to config.toml with its expiry, one runner at a time so that a
 * failure leaves the others' new tokens saved. The runner's VMs and containers keep their names: they do not derive
 * from the token. A running {@code run} keeps the old token until it restarts.
 */
@Command(name = "reset-token", mixinStandardHelpOptions = true,
        description = "Replace a runner's authentication token with a new one from GitLab, saved in the config.")
public final class ResetTokenCommand extends ConfigCommand {

    @Option(names = {"-n", "--name"}, paramLabel = "NAME", description = "The runner whose token to reset.")
    String name;

    @Option(names = "--all-runners", description = "Reset the token of every runner of the config.")
    boolean all;

    @Override
    int run(Path path, PrintWriter out, PrintWriter err) {
        if ((name == null) == !all) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give --name NAME or --all-runners");
        }
        int failures = 0;
        List<RunnerSettings> runners = Runners.select(Config.load(path), name, false);
        for (RunnerSettings runner : runners) {
            try {
                RunnerCredentials credentials = Coordinators.client(runner).resetToken(runner.token().reveal());
                // read again: the previous runner's new token is in the file now
                Config current = Config.load(path);
                Config.write(path, withToken(current.tree(), runner.name(), credentials));
                out.println(runner.name() + ": new token saved in " + path
                        + (credentials.tokenExpiresAt() == null ? "" : ", expires " + credentials.tokenExpiresAt()));
            } catch (CoordinatorException e) {
                failures++;
                err.println(runner.name() + ": the token was not reset (" + runner.url() + "): " + e.getMessage());
            }
        }
        return failures == 0 ? 0 : 1;
    }

    private static ObjectNode withToken(ObjectNode tree, String runnerName, RunnerCredentials credentials) {
        JsonNode runners = tree.get("runners");
        if (runners instanceof ArrayNode array) {
            for (JsonNode entry : array) {
                if (entry instanceof ObjectNode runner && runnerName.equals(runner.path("name").asText())) {
                    runner.put("token", credentials.token());
                    runner.put("token_obtained_at", java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC)
                            .withNano(0).toString());
                    if (credentials.tokenExpiresAt() != null) {
                        runner.put("token_expires_at", credentials.tokenExpiresAt().toString());
                    } else {
                        runner.remove("token_expires_at");
                    }
                }
            }
        }
        return tree;
    }
}
