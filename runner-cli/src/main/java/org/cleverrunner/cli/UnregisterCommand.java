package org.cleverrunner.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.cleverrunner.cli.config.Config;
import org.cleverrunner.cli.config.ConfigPaths;
import org.cleverrunner.coordinator.CoordinatorException;
import org.cleverrunner.coordinator.CoordinatorForbiddenException;
import org.cleverrunner.core.RunnerSettings;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code unregister}: deletes runners on their coordinator and removes them from config.toml, as gitlab-runner does
 * (commands/unregister.go): a runner created in GitLab's UI (an authentication token, {@code glrt-}) is not
 * deleted, only this machine's runner manager ({@code DELETE /runners/managers} with the system id), since the
 * runner belongs to whoever created it in GitLab and may have other managers; a runner registered with a legacy
 * registration token is deleted ({@code DELETE /runners}).
 */
@Command(name = "unregister", mixinStandardHelpOptions = true,
        description = {"Delete a runner (or all) on its coordinator and remove it from the config file.",
                "A runner created in GitLab (glrt- token) keeps existing there: only this machine's runner manager"
                        + " is deleted."})
public final class UnregisterCommand extends ConfigCommand {

    @ArgGroup(exclusive = true, multiplicity = "1")
    Which which;

    static final class Which {
        @Option(names = {"-n", "--name"}, paramLabel = "NAME", required = true, description = "The runner to remove.")
        String name;

        @Option(names = "--all-runners", required = true, description = "Remove every runner of the config.")
        boolean all;
    }

    @Override
    int run(Path path, PrintWriter out, PrintWriter err) {
        Config loaded = Config.load(path);
        List<RunnerSettings> runners = Runners.select(loaded, which.all ? null : which.name, which.all);
        Set<String> removed = new LinkedHashSet<>();
        String systemId = null;
        for (RunnerSettings runner : runners) {
            try {
                String token = runner.token().reveal();
                if (isAuthenticationToken(token)) {
                    if (systemId == null) {
                        systemId = ConfigPaths.systemId(path);
                    }
                    boolean known = Coordinators.client(runner).unregisterManager(token, systemId);
                    out.println(runner.name() + ": " + (known ? "runner manager " + systemId + " deleted from "
                            : "no runner manager " + systemId + " on ") + runner.url()
                            + "; the runner itself stays in GitLab (delete it there)");
                } else {
                    Coordinators.client(runner).unregister(token);
                    out.println(runner.name() + ": unregistered from " + runner.url());
                }
                removed.add(runner.name());
            } catch (CoordinatorForbiddenException e) {
                // The coordinator no longer knows this token: the entry can never work again, drop it.
                removed.add(runner.name());
                out.println(runner.name() + ": token already refused by " + runner.url() + ", removing it: "
                        + e.getMessage());
            } catch (CoordinatorException e) {
                err.println(runner.name() + ": could not unregister, kept in the config: " + e.getMessage());
            }
        }
        if (!removed.isEmpty()) {
            Config.write(path, loaded.treeWithoutRunners(removed));
            out.println("Removed from " + path + ": " + String.join(", ", removed));
        }
        return removed.size() == runners.size() ? 0 : 1;
    }

    /**
     * A token of a runner created in GitLab (Rails' {@code CREATED_RUNNER_TOKEN_PREFIX}, gitlab-runner's
     * {@code TokenIsCreatedRunnerToken}); runners registered with a registration token get tokens without it.
     */
    static boolean isAuthenticationToken(String token) {
        return token.startsWith("glrt-");
    }
}
