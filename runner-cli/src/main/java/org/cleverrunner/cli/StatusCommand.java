package org.cleverrunner.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.cleverrunner.cli.config.Config;
import org.cleverrunner.cli.config.ConfigException;
import org.cleverrunner.core.JournalLock;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/**
 * {@code status}: whether a {@code run} of this config is running, from the lock it holds on its journal (its pid),
 * as gitlab-runner's {@code status} says whether its service runs: exit 0 when running, 1 when not.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Say whether a `run` of this config is running (exit 0) or not (exit 1).")
public final class StatusCommand implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ConfigOption config = new ConfigOption();

    Map<String, String> environment = System.getenv();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path path = config.resolve(environment);
        try {
            Config loaded = Config.load(path);
            Path journal = loaded.engine().journalFile();
            JournalLock.Attempt attempt = JournalLock.tryAcquire(journal);
            if (attempt instanceof JournalLock.Held held) {
                out.println("clever-runner: running (" + held.holder() + ", config " + path + ", "
                        + loaded.runners().size() + " runner(s))");
                return 0;
            }
            ((JournalLock.Acquired) attempt).lock().close();
            out.println("clever-runner: not running (config " + path + ")");
            return 1;
        } catch (ConfigException e) {
            err.println(e.getMessage());
            return 1;
        }
    }
}
