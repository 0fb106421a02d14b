package org.cleverrunner.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.cleverrunner.cli.config.Config;
import org.cleverrunner.coordinator.CoordinatorException;
import org.cleverrunner.coordinator.CoordinatorForbiddenException;
import org.cleverrunner.core.RunnerSettings;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code unregister}: deletes runners on their coordinator and removes them from config.toml. */
@Command(name = "unregister", mixinStandardHelpOptions = true,
        description = "Delete a runner (or all) on its coordinator and remove it from the config file.")
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
        for (RunnerSettings runner : runners) {
            try {
                Coordinators.client(runner).unregister(runner.token().reveal());
                removed.add(runner.name());
                out.println(runner.name() + ": unregistered from " + runner.url());
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
}
