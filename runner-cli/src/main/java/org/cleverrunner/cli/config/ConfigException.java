package org.cleverrunner.cli.config;

import java.nio.file.Path;
import java.util.List;

/**
 * config.toml cannot be used: its message lists every problem found, one per line, each with the key's path
 * ({@code runners[1].limit: must be an integer ≥ 0, got "four"}), so that one run shows everything to fix.
 * Messages never contain a token's value.
 */
public final class ConfigException extends RuntimeException {

    private final transient Path source;
    private final List<String> problems;

    public ConfigException(Path source, List<String> problems) {
        super(message(source, problems));
        this.source = source;
        this.problems = List.copyOf(problems);
    }

    public ConfigException(Path source, String problem) {
        this(source, List.of(problem));
    }

    /** The file the problems are in, or null when the text did not come from a file. */
    public Path source() {
        return source;
    }

    /** Each problem, with its key's path first. */
    public List<String> problems() {
        return problems;
    }

    private static String message(Path source, List<String> problems) {
        String where = source == null ? "the configuration" : source.toString();
        StringBuilder message = new StringBuilder(problems.size() == 1 ? where + " has a problem:"
                : where + " has " + problems.size() + " problems:");
        problems.forEach(problem -> message.append("\n  ").append(problem));
        return message.toString();
    }
}
