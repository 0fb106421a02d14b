package org.cleverrunner.cli;

import java.util.List;
import org.cleverrunner.cli.config.Config;
import org.cleverrunner.cli.config.ConfigException;
import org.cleverrunner.core.RunnerSettings;

/** Picking runners out of a config by name for the management commands. */
final class Runners {

    private Runners() {
    }

    /**
     * The named runner, or all of them when {@code name} is null.
     *
     * @throws ConfigException no runner has that name, or (unless {@code emptyOk}) the config has no runner at all
     */
    static List<RunnerSettings> select(Config config, String name, boolean emptyOk) {
        List<RunnerSettings> runners = config.runners();
        if (name == null) {
            if (runners.isEmpty() && !emptyOk) {
                throw new ConfigException(config.source(), "no runner in it (add one with `clever-runner register`)");
            }
            return runners;
        }
        return config.runner(name).map(List::of).orElseThrow(() -> new ConfigException(config.source(),
                "no runner named '" + name + "'" + (runners.isEmpty() ? "" : "; its runners: "
                        + String.join(", ", runners.stream().map(RunnerSettings::name).toList()))));
    }
}
