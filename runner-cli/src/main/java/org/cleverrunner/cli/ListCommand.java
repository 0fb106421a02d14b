package org.cleverrunner.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.cleverrunner.cli.config.Config;
import org.cleverrunner.cli.config.ConfigException;
import org.cleverrunner.cli.logging.Redactor;
import org.cleverrunner.core.RunnerSettings;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** {@code list}: the runners of config.toml, tokens shortened. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List the runners of the config file.")
public final class ListCommand implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ConfigOption config = new ConfigOption();

    Map<String, String> environment = System.getenv();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Path path = config.resolve(environment);
        try {
            Config loaded = Config.load(path);
            out.println("Config: " + path);
            for (RunnerSettings runner : loaded.runners()) {
                out.printf("%-20s Executor=%s Provisioner=%s URL=%s Token=%s%n", runner.name(), runner.executor(),
                        runner.provisioner(), Redactor.redact(runner.url()), Coordinators.maskedToken(runner.token().reveal()));
            }
            return 0;
        } catch (ConfigException e) {
            spec.commandLine().getErr().println(e.getMessage());
            return 1;
        }
    }
}
