package org.cleverrunner.docker.internal.sources;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** Creating and emptying working copies, never following symbolic links out of them. */
final class Directories {

    private Directories() {
    }

    /** Removes {@code dir} and everything in it; links are removed, not followed. */
    static void delete(Path dir) {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path directory, IOException failure) throws IOException {
                    if (failure != null) {
                        throw failure;
                    }
                    Files.delete(directory);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new SourceFetchException("get_sources failed: cannot remove the old working copy " + dir + ": " + e,
                    e);
        }
    }

    /** A fresh, empty directory at {@code dir}. */
    static Path recreate(Path dir) {
        delete(dir);
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new SourceFetchException("get_sources failed: cannot create the working copy " + dir + ": " + e, e);
        }
    }
}
