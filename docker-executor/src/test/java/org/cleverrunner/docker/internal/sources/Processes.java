package org.cleverrunner.docker.internal.sources;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.cleverrunner.testkit.Programs;

/** Running git/hg to build and inspect the test repositories, isolated from the user's configuration. */
final class Processes {

    private Processes() {
    }

    static String git(Path dir, String... args) {
        return Programs.git(dir, args);
    }

    static String hg(Path dir, String... args) {
        return run(dir, Map.of("HGPLAIN", "1", "HGRCPATH", "", "HGUSER", "Test <test@example.org>"), "hg", args);
    }

    static String run(Path dir, Map<String, String> env, String program, String... args) {
        return Programs.run(dir, env, program, args);
    }

    static void write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every regular file under {@code root} whose bytes contain {@code needle}. */
    static List<Path> filesContaining(Path root, String needle) throws IOException {
        if (!Files.exists(root)) {
            return List.of();
        }
        byte[] pattern = needle.getBytes(StandardCharsets.UTF_8);
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).filter(f -> contains(read(f), pattern)).toList();
        }
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            return new byte[0];
        }
    }

    private static boolean contains(byte[] data, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= data.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
