package org.cleverrunner.cli.exec;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.cleverrunner.spi.ArtifactTransfer;
import org.cleverrunner.spi.JobPlan;

/**
 * Artifacts without a coordinator. Downloads: only the synthetic {@link ExecPlan#SOURCES} dependency, which is the
 * project's working tree (see {@link ProjectArchive}). Uploads: each archive is kept as
 * {@code <artifacts dir>/<job>/<filename>} and, for zips, also extracted next to it so the files can be looked at
 * directly. The job's directory is emptied at the first upload of a run so stale files never pass for new ones.
 */
public final class LocalArtifactTransfer implements ArtifactTransfer {

    private final Path projectDir;
    private final List<Path> excluded;
    private final Path jobDir;
    private boolean cleaned;

    /**
     * @param excluded directories never shipped as sources (the artifacts and cache directories when they lie
     *     inside the project)
     */
    public LocalArtifactTransfer(Path projectDir, List<Path> excluded, Path artifactsDir, String jobName) {
        this.projectDir = Objects.requireNonNull(projectDir, "projectDir");
        this.excluded = List.copyOf(excluded);
        this.jobDir = artifactsDir.resolve(safeName(jobName));
    }

    /** Where this job's artifacts go. */
    public Path jobDir() {
        return jobDir;
    }

    @Override
    public boolean download(JobPlan.DependencySpec dependency, OutputStream out) throws IOException {
        if (!ExecPlan.SOURCES.equals(dependency)) {
            return false; // exec runs one job: no other job's artifacts exist
        }
        ProjectArchive.write(projectDir, excluded, out);
        return true;
    }

    @Override
    public synchronized String upload(JobPlan.ArtifactRule rule, String filename, Path archive) throws IOException {
        if (!cleaned) {
            deleteTree(jobDir);
            cleaned = true;
        }
        Files.createDirectories(jobDir);
        Path target = jobDir.resolve(safeName(filename));
        Files.copy(archive, target, StandardCopyOption.REPLACE_EXISTING);
        if (filename.endsWith(".zip")) {
            extract(archive, jobDir);
        }
        return null;
    }

    private static void extract(Path zipFile, Path into) throws IOException {
        Path root = into.toAbsolutePath().normalize();
        try (InputStream in = Files.newInputStream(zipFile); ZipInputStream zip = new ZipInputStream(in)) {
            for (ZipEntry entry; (entry = zip.getNextEntry()) != null; ) {
                Path target = root.resolve(entry.getName()).normalize();
                if (!target.startsWith(root) || target.equals(root)) {
                    throw new IOException("artifact entry '" + entry.getName() + "' escapes the artifacts directory");
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(zip, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    /** A job or file name as a single path segment. */
    static String safeName(String name) {
        String safe = name.replaceAll("[^A-Za-z0-9._-]", "_");
        return safe.isEmpty() || safe.equals(".") || safe.equals("..") ? "_" + safe : safe;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
