package org.cleverrunner.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import org.cleverrunner.cli.config.Config;
import org.cleverrunner.core.JournalLock;
import picocli.CommandLine.Command;

/**
 * {@code status}: whether a {@code run} of this config is running, from the lock it holds on its journal (its pid),
 * as gitlab-runner's {@code status} says whether its service runs: exit 0 when running, 1 when not.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Say whether a `run` of this config is running (exit 0) or not (exit 1).")
public final class StatusCommand extends ConfigCommand {

    @Override
    int run(Path path, PrintWriter out, PrintWriter err) {
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
    }
}
