package org.cleverrunner.docker.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** The files a working copy's VCS tracks, for {@code untracked: true} caches and artifacts. */
final class TrackedFiles {

    private TrackedFiles() {
    }

    static Set<String> list(Path workingCopy, String vcs) {
        List<String> command = "hg".equals(vcs)
                ? List.of("hg", "files", "-0", "--config", "ui.relative-paths=no")
                : List.of("git", "ls-files", "-z", "--recurse-submodules");
        ProcessBuilder builder = new ProcessBuilder(command).directory(workingCopy.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("HGPLAIN", "1");
        try {
            Process process = builder.start();
            byte[] output;
            try (InputStream in = process.getInputStream()) {
                output = in.readAllBytes();
            }
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                return Set.of();
            }
            Set<String> files = new HashSet<>();
            for (String name : new String(output, StandardCharsets.UTF_8).split("\0")) {
                if (!name.isEmpty()) {
                    files.add(name);
                }
            }
            return files;
        } catch (IOException e) {
            return Set.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Set.of();
        }
    }
}
