package org.cleverrunner.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.cleverrunner.cli.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/**
 * The plumbing of the commands that work on one config.toml: its path (from {@code --config}, the environment or
 * the default), the output streams, and a config problem printed as it is, with exit code 1.
 */
abstract class ConfigCommand implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ConfigOption config = new ConfigOption();

    /** Where {@code CLEVER_RUNNER_CONFIG} and the like are read; tests give their own. */
    Map<String, String> environment = System.getenv();

    @Override
    public final Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        Path path = config.resolve(environment);
        try {
            return run(path, spec.commandLine().getOut(), err);
        } catch (ConfigException e) {
            err.println(e.getMessage());
            return 1;
        }
    }

    /** The command on the config at {@code path}; a {@link ConfigException} ends it with its message. */
    abstract int run(Path path, PrintWriter out, PrintWriter err);
}
