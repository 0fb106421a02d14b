package org.cleverrunner.docker.internal;

import com.github.dockerjava.api.DockerClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;

/**
 * The job's build volume (/builds), reached only through the Engine's archive API of a created container that
 * mounts it: tars stream in (scripts, sources, caches, artifacts of dependencies) and the project streams out (caches
 * and artifacts to save). Everything uploaded is owned by the user the job's containers run as, so a non-root
 * image can write its tree without anything being world-writable.
 */
final class BuildVolume {

    /** Writes a tar to a stream; the stream is closed by the caller. */
    @FunctionalInterface
    interface TarWriter {
        void write(OutputStream out) throws IOException;
    }

    private final DockerClient docker;
    private final Names names;
    private final BuildPaths paths;
    private String container;
    private JobUser.Owner owner = JobUser.Owner.ROOT;

    BuildVolume(DockerClient docker, Names names, BuildPaths paths) {
        this.docker = docker;
        this.names = names;
        this.paths = paths;
    }

    void create() {
        docker.createVolumeCmd().withName(names.buildVolume()).withLabels(names.labels("builds")).exec();
    }

    /** Archive calls go through {@code containerId}, which mounts the volume; files uploaded belong to {@code owner}. */
    void attach(String containerId, JobUser.Owner owner) {
        this.container = containerId;
        this.owner = owner;
    }

    /** The container the volume's archive calls go through. */
    String container() {
        return container;
    }

    JobUser.Owner owner() {
        return owner;
    }

    /** Streams a tar produced by {@code writer} into the volume at {@code remoteDir}, through a pipe. */
    void upload(String remoteDir, TarWriter writer) throws InterruptedException {
        String thread = "tar-" + names.prefix();
        TarWriter owned = owner.isRoot() ? writer
                : out -> Pipes.piped(thread, writer::write, in -> Archives.chown(in, out, owner.uid(), owner.gid()));
        try {
            Pipes.piped(thread, owned::write, in -> docker.copyArchiveToContainerCmd(container)
                    .withRemotePath(remoteDir).withTarInputStream(in).exec());
        } catch (IOException e) {
            // the message as it is: it ends up in the job log
            throw new UncheckedIOException(e.getMessage(), e);
        }
        if (Thread.interrupted()) {
            throw new InterruptedException("interrupted while uploading into " + remoteDir);
        }
    }

    /**
     * Zips the project files the selection takes, streaming the project's tar out of the volume. Returns the number
     * of files and symlinks.
     */
    int zipProject(Path zip, Archives.Selection selection) throws IOException {
        return archiveProject(zip, selection, Archives.Format.ZIP, Archives.CompressionLevel.DEFAULT).entries();
    }

    /** The project files the selection takes as an archive of the given format and level, and what was left out. */
    Archives.Summary archiveProject(Path archive, Archives.Selection selection, Archives.Format format,
            Archives.CompressionLevel level) throws IOException {
        try (InputStream tar = docker.copyArchiveFromContainerCmd(container, paths.projectDir()).exec();
                OutputStream out = Files.newOutputStream(archive)) {
            return Archives.archive(tar, out, selection, format, level);
        }
    }

    /** Multi-member gzip of the selected regular files (GitLab's format for reports such as junit). */
    int gzipProject(Path gzip, Archives.Selection selection) throws IOException {
        Path zip = Files.createTempFile("clever-runner-report", ".zip");
        try {
            zipProject(zip, selection);
            int files = 0;
            // a zip file, not a stream: only its central directory tells symlinks from files
            try (ZipFile in = ZipFile.builder().setPath(zip).get(); OutputStream out = Files.newOutputStream(gzip)) {
                for (ZipArchiveEntry entry : Collections.list(in.getEntriesInPhysicalOrder())) {
                    if (entry.isDirectory() || entry.isUnixSymlink()) {
                        continue;
                    }
                    GZIPOutputStream member = new GZIPOutputStream(Pipes.nonClosing(out));
                    try (InputStream content = in.getInputStream(entry)) {
                        content.transferTo(member);
                    }
                    member.finish();
                    files++;
                }
            }
            return files;
        } finally {
            Closing.delete(zip);
        }
    }
}
