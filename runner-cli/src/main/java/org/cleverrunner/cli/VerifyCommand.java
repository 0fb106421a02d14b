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
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code verify}: asks each runner's coordinator whether its token is still valid. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Check that the coordinator still accepts each runner's token (or the named runner's).")
public final class VerifyCommand extends ConfigCommand {

    @Option(names = {"-n", "--name"}, paramLabel = "NAME", description = "Only this runner.")
    String name;

    @Option(names = "--delete", description = "Remove from the config the runners whose token is refused.")
    boolean delete;

    @Override
    int run(Path path, PrintWriter out, PrintWriter err) {
        Config loaded = Config.load(path);
        List<RunnerSettings> runners = Runners.select(loaded, name, false);
        String systemId = ConfigPaths.systemId(path);
        Set<String> refused = new LinkedHashSet<>();
        boolean allOk = true;
        for (RunnerSettings runner : runners) {
            try {
                Coordinators.client(runner).verify(runner.token().reveal(), systemId);
                out.println(runner.name() + ": ok (" + runner.url() + ")");
            } catch (CoordinatorForbiddenException e) {
                allOk = false;
                refused.add(runner.name());
                out.println(runner.name() + ": refused (" + runner.url() + "): " + e.getMessage());
            } catch (CoordinatorException e) {
                allOk = false;
                out.println(runner.name() + ": not verified (" + runner.url() + "): " + e.getMessage());
            }
        }
        if (delete && !refused.isEmpty()) {
            Config.write(path, loaded.treeWithoutRunners(refused));
            out.println("Removed from " + path + ": " + String.join(", ", refused));
        }
        return allOk ? 0 : 1;
    }
}
