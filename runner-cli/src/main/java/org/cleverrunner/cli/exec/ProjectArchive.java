package org.cleverrunner.cli.exec;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;

/**
 * The project's working tree as a zip, the way a fresh checkout plus local edits would look: when the directory is
 * in a Git work tree, the files {@code git ls-files --cached --others --exclude-standard} lists (tracked, and
 * untracked but not ignored: .gitignore is honoured); otherwise every regular file except {@code .git/}. Paths in
 * {@code excluded} (exec's own output directories) are left out either way.
 */
final class ProjectArchive {

    private ProjectArchive() {
    }

    /** Writes the zip; returns the number of files. */
    static int write(Path projectDir, List<Path> excluded, OutputStream out) throws IOException {
        Path root = projectDir.toAbsolutePath().normalize();
        List<Path> skip = excluded.stream().map(path -> path.toAbsolutePath().normalize()).toList();
        List<String> files = list(root);
        int count = 0;
        // commons-compress, for the unix modes: scripts keep their executable bit in the job's container
        ZipArchiveOutputStream zip = new ZipArchiveOutputStream(out); // not closed: the caller owns the stream
        for (String relative : files) {
            Path file = root.resolve(relative).normalize();
            // regular files only (links followed): submodule directories and deleted tracked files are skipped
            if (!file.startsWith(root) || !Files.isRegularFile(file) || skip.stream().anyMatch(file::startsWith)) {
                continue;
            }
            ZipArchiveEntry entry = new ZipArchiveEntry(relative.replace('\\', '/'));
            entry.setLastModifiedTime(Files.getLastModifiedTime(file));
            entry.setUnixMode(Files.isExecutable(file) ? 0755 : 0644);
            zip.putArchiveEntry(entry);
            Files.copy(file, zip);
            zip.closeArchiveEntry();
            count++;
        }
        zip.finish();
        return count;
    }

    private static List<String> list(Path root) throws IOException {
        Optional<List<String>> tracked = LocalGit.listFiles(root);
        if (tracked.isPresent()) {
            return tracked.get();
        }
        List<String> files = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                return dir.getFileName() != null && dir.getFileName().toString().equals(".git") && !dir.equals(root)
                        ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isRegularFile()) {
                    files.add(root.relativize(file).toString());
                }
                return FileVisitResult.CONTINUE;
            }
        });
        files.sort(null);
        return files;
    }
}
