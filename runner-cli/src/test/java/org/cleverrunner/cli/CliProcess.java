package org.cleverrunner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The CLI as a user runs it: the runnable jar in a process of its own, with a config.toml for one runner on the
 * local Docker Engine. Shared by the end-to-end tests of {@code run}, {@code reap} and {@code list}.
 */
final class CliProcess {

    static final String IMAGE = "clever-runner/busybox:latest";

    private CliProcess() {
    }

    /**
     * A config.toml for one local-docker runner.
     *
     * @param globalExtra lines for the top level (journal, log_level, [metrics] must then come last…)
     * @param runnerExtra lines for the [[runners]] table (cache_dir…)
     */
    static Path writeConfig(Path file, int concurrent, String name, String url, String token, String globalExtra,
            String runnerExtra) throws IOException {
        return writeConfig(file, concurrent, name, url, token, globalExtra, "local-docker", runnerExtra);
    }

    /** The same with another provisioner, whose own section {@code runnerExtra} may hold. */
    static Path writeConfig(Path file, int concurrent, String name, String url, String token, String globalExtra,
            String provisioner, String runnerExtra) throws IOException {
        return writeConfig(file, concurrent, name, url, token, globalExtra, provisioner, runnerExtra, "");
    }

    /** The same with {@code dockerExtra} lines in {@code [runners.docker]}. */
    static Path writeConfig(Path file, int concurrent, String name, String url, String token, String globalExtra,
            String provisioner, String runnerExtra, String dockerExtra) throws IOException {
        Files.writeString(file, "concurrent = " + concurrent + "\n"
                + "check_interval = 1\n"
                + "shutdown_timeout = 60\n"
                + globalExtra
                + "\n[[runners]]\n"
                + "name = \"" + name + "\"\n"
                + "url = \"" + url + "\"\n"
                + "token = \"" + token + "\"\n"
                + "executor = \"docker\"\n"
                + "provisioner = \"" + provisioner + "\"\n"
                + runnerExtra
                + "[runners.docker]\n"
                + "image = \"" + IMAGE + "\"\n"
                + dockerExtra);
        return file;
    }

    /** {@code journal = "…"} for {@link #writeConfig}'s global lines. */
    /**
     * The owner part the runner {@code name} of {@code config} (journal {@code journal}) gives its containers' and
     * VMs' names and labels.
     */
    static String hostKey(Path config, String name, Path journal) {
        return org.cleverrunner.core.RunnerSettings.of(name, "https://gitlab.example", "glrt-any")
                .hostKey(org.cleverrunner.cli.config.ConfigPaths.systemId(config), journal);
    }

    static String journal(Path journal) {
        return "journal = \"" + journal + "\"\n";
    }

    /** Starts {@code java [jvmOptions] -jar clever-runner.jar args…}, its output (both streams) into {@code log}. */
    static Process start(Path log, List<String> jvmOptions, String... args) throws IOException {
        return start(log, java.util.Map.of(), jvmOptions, args);
    }

    /** As {@link #start(Path, List, String...)}, with {@code environment} set over this process's own. */
    static Process start(Path log, java.util.Map<String, String> environment, List<String> jvmOptions,
            String... args) throws IOException {
        return start(log, List.of(), environment, jvmOptions, args);
    }

    /**
     * As {@link #start(Path, String...)}, with the signals a test sends at their default disposition whatever
     * the suite was started under: a signal ignored at start (nohup ignores SIGHUP, a shell's background job
     * SIGINT) stays ignored in a JVM, which then cannot handle it.
     */
    static Process startWithDefaultSignals(Path log, String... args) throws IOException {
        return start(log, List.of("env", "--default-signal=HUP,INT,TERM,USR1"), java.util.Map.of(), List.of(), args);
    }

    private static Process start(Path log, List<String> prefix, java.util.Map<String, String> environment,
            List<String> jvmOptions, String... args) throws IOException {
        Path jar = Path.of("target", "clever-runner.jar").toAbsolutePath();
        assertThat(jar).as("the runnable jar, built in the package phase").exists();
        List<String> command = new ArrayList<>(prefix);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", jar.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        return builder.start();
    }

    static Process start(Path log, String... args) throws IOException {
        return start(log, List.of(), args);
    }

    /** What a process wrote so far, or "" before it wrote anything. */
    static String read(Path log) throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }
}
