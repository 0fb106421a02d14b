package org.cleverrunner.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import org.cleverrunner.cli.config.Config;
import org.cleverrunner.cli.logging.Redactor;
import org.cleverrunner.core.RunnerSettings;
import picocli.CommandLine.Command;

/** {@code list}: the runners of config.toml, tokens shortened. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List the runners of the config file.")
public final class ListCommand extends ConfigCommand {

    @Override
    int run(Path path, PrintWriter out, PrintWriter err) {
        Config loaded = Config.load(path);
        out.println("Config: " + path);
        for (RunnerSettings runner : loaded.runners()) {
            out.printf("%-20s Executor=%s Provisioner=%s URL=%s Token=%s%n", runner.name(), runner.executor(),
                    runner.provisioner(), Redactor.redact(runner.url()), Coordinators.maskedToken(runner.token().reveal()));
        }
        return 0;
    }
}
