package org.cleverrunner.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs the real tools tests build their fixtures with (git, hg…) in a directory, with the caller's environment
 * cleaned of {@code GIT_*} and {@code HG*} variables so that nothing of the machine's set-up leaks in.
 */
public final class Programs {

    private Programs() {
    }

    /**
     * Runs {@code program args…} in {@code dir} with {@code env} added; returns its output (stdout and stderr),
     * stripped.
     *
     * @throws IllegalStateException when it fails, does not end within a minute, or cannot start
     */
    public static String run(Path dir, Map<String, String> env, String program, String... args) {
        List<String> argv = Stream.concat(Stream.of(program), Stream.of(args)).toList();
        ProcessBuilder builder = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().keySet().removeIf(k -> k.startsWith("GIT_") || k.startsWith("HG"));
        builder.environment().putAll(env);
        try {
            Process process = builder.start();
            process.getOutputStream().close();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException(argv + " in " + dir + " failed: " + out);
            }
            return out.strip();
        } catch (IOException e) {
            throw new IllegalStateException(argv + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(argv + " interrupted", e);
        }
    }

    /** git without the system's or the user's configuration, committing as a fixed test identity. */
    public static String git(Path dir, String... args) {
        return run(dir, Map.of("GIT_CONFIG_NOSYSTEM", "1", "GIT_CONFIG_GLOBAL", "/dev/null",
                "GIT_AUTHOR_NAME", "Test", "GIT_AUTHOR_EMAIL", "test@example.org",
                "GIT_COMMITTER_NAME", "Test", "GIT_COMMITTER_EMAIL", "test@example.org"), "git", args);
    }
}
