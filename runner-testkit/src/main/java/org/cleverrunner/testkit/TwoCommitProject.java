package org.cleverrunner.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A bare Git repository whose two branches hold trees easy to tell apart from inside a job: {@code main} with
 * {@code MARKER} = {@code one} and 500 files, {@code two} with {@code MARKER} = {@code two} and 1500 files (1000
 * more under {@code data/}). A job prints {@code cat MARKER} and
 * {@code find . -path ./.git -prune -o -type f -print | wc -l} to show which tree it got. Serve it with
 * {@link GitHttpServer#git}.
 *
 * @param bare the bare repository ({@code <root>/<projectPath>.git})
 * @param main the commit of {@code main}
 * @param two the commit of {@code two}
 */
public record TwoCommitProject(Path bare, Commit main, Commit two) {

    /**
     * One branch's commit and what its tree holds.
     *
     * @param files the number of files outside {@code .git}, MARKER included
     */
    public record Commit(String branch, String sha, String marker, int files) {
    }

    /** Builds the repository at {@code <root>/<projectPath>.git}, using a scratch directory beside it. */
    public static TwoCommitProject create(Path root, String projectPath) throws IOException {
        Path bare = root.resolve(projectPath + ".git");
        Path work = Files.createTempDirectory(root, "two-commit-work-");
        git(work, "init", "-q", "-b", "main");
        Commit main = commit(work, "main", "one", 500, 0);
        git(work, "checkout", "-q", "-b", "two");
        Commit two = commit(work, "two", "two", 1500, 499);
        Files.createDirectories(bare.getParent());
        git(root, "clone", "-q", "--bare", work.toString(), bare.toString());
        // jobs may fetch their exact commit, as GitLab allows
        git(bare, "config", "uploadpack.allowAnySHA1InWant", "true");
        return new TwoCommitProject(bare, main, two);
    }

    /** The commit of a branch, {@code main} or {@code two}. */
    public Commit commit(String branch) {
        return switch (branch) {
            case "main" -> main;
            case "two" -> two;
            default -> throw new IllegalArgumentException("no branch " + branch);
        };
    }

    /** Adds data files numbered from {@code existing} up to {@code files - 1} in all, beside MARKER. */
    private static Commit commit(Path work, String branch, String marker, int files, int existing)
            throws IOException {
        Files.writeString(work.resolve("MARKER"), marker + "\n");
        Path data = Files.createDirectories(work.resolve("data"));
        for (int i = existing; i < files - 1; i++) {
            Files.writeString(data.resolve("f" + i + ".txt"), "file " + i + " of " + branch + "\n");
        }
        git(work, "add", "-A");
        git(work, "commit", "-q", "-m", branch + ": MARKER=" + marker + ", " + files + " files");
        return new Commit(branch, git(work, "rev-parse", "HEAD"), marker, files);
    }

    private static String git(Path dir, String... args) {
        return Programs.git(dir, args);
    }
}
