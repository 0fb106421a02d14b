package org.cleverrunner.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import org.cleverrunner.coordinator.RunnerInfo;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code clever-runner} command line. */
@Command(name = "clever-runner", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Elastic CI runner for GitLab and Heptapod: each job on a Docker host of its own.",
        subcommands = {RunCommand.class, ExecCommand.class, RegisterCommand.class, VerifyCommand.class,
                UnregisterCommand.class, ResetTokenCommand.class, ListCommand.class, StatusCommand.class,
                ReapCommand.class, SimulatePoolCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns its exit code (2 for misuse, as picocli does). */
    public static int execute(String... args) {
        return new CommandLine(new Main()).execute(args);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing a command");
    }

    /**
     * The version Maven wrote into the jar and the git commit it was built from (as gitlab-runner prints its own:
     * {@code clever-runner 1.2.0 (abcdef12)}; "unknown" for a build outside git).
     */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"clever-runner " + number() + " (" + revision() + ")",
                    "Java " + Runtime.version() + " on " + System.getProperty("os.name") + "/"
                            + System.getProperty("os.arch")};
        }

        /** This runner's version number, {@code dev} when not built by Maven. */
        static String number() {
            Properties properties = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    properties.load(in);
                }
            } catch (IOException e) {
                // informational only: the default below
            }
            return properties.getProperty("version", "dev");
        }

        /** The git commit of the build, 8 hex digits, as the SDK sends it to GitLab. */
        static String revision() {
            return RunnerInfo.defaults().revision();
        }
    }
}
