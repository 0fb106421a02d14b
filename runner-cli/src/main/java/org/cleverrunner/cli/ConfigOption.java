package org.cleverrunner.cli;

import java.nio.file.Path;
import java.util.Map;
import org.cleverrunner.cli.config.ConfigPaths;
import picocli.CommandLine.Option;

/** The {@code --config} option shared by the commands that read or write config.toml. */
final class ConfigOption {

    @Option(names = {"-c", "--config"}, paramLabel = "PATH",
            description = "The config file (default: $CLEVER_RUNNER_CONFIG, else /etc/clever-runner/config.toml"
                    + " for root, else ~/.clever-runner/config.toml).")
    String path;

    Path resolve(Map<String, String> environment) {
        return ConfigPaths.resolve(path, environment);
    }
}
