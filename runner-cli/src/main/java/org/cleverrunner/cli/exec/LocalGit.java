package org.cleverrunner.cli.exec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** The few facts exec asks the local {@code git} about; every answer is optional (no git, not a repository). */
final class LocalGit {

    private LocalGit() {
    }

    /** The commit checked out, or empty. */
    static Optional<String> headSha(Path dir) {
        return run(dir, "rev-parse", "HEAD").map(String::strip).filter(sha -> sha.matches("[0-9a-f]{40,64}"));
    }

    /** The branch checked out, or empty (detached HEAD, not a repository). */
    static Optional<String> branch(Path dir) {
        return run(dir, "symbolic-ref", "--short", "-q", "HEAD").map(String::strip).filter(name -> !name.isEmpty());
    }

    /**
     * The files of the working tree git would add: tracked ones and untracked ones not ignored, relative to
     * {@code dir}, or empty when {@code dir} is not inside a work tree.
     */
    static Optional<List<String>> listFiles(Path dir) {
        return run(dir, "ls-files", "-z", "--cached", "--others", "--exclude-standard").map(output -> {
            List<String> files = new ArrayList<>();
            for (String name : output.split("\0")) {
                if (!name.isEmpty()) {
                    files.add(name);
                }
            }
            return files;
        });
    }

    private static Optional<String> run(Path dir, String... args) {
        List<String> command = new ArrayList<>(List.of("git", "-C", dir.toString()));
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            process.getOutputStream().close();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (InputStream in = process.getInputStream()) {
                in.transferTo(out);
            }
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return Optional.empty();
            }
            return process.exitValue() == 0 ? Optional.of(out.toString(java.nio.charset.StandardCharsets.UTF_8))
                    : Optional.empty();
        } catch (IOException e) {
            return Optional.empty(); // no git on PATH: exec works without it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
