package org.cleverrunner.docker.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;

/**
 * Tar and zip streams for the Engine archive API, caches and artifacts, built with commons-compress and always
 * streamed: nothing is held in memory but a buffer. Entry names are checked so that an archive can never write
 * outside the directory it is extracted into.
 */
public final class Archives {

    private Archives() {
    }

    /**
     * A tar of in-memory files (scripts, file variables), keyed by their path relative to the extraction point,
     * plus the given directories (and every parent of both).
     */
    public static void writeFiles(OutputStream out, List<String> directories, Map<String, byte[]> files, int mode)
            throws IOException {
        try (TarArchiveOutputStream tar = newTar(out)) {
            java.util.Set<String> written = new java.util.HashSet<>();
            for (String directory : directories) {
                addDirectories(tar, directory, written);
            }
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                String name = file.getKey();
                if (name.contains("/")) {
                    addDirectories(tar, name.substring(0, name.lastIndexOf('/')), written);
                }
                TarArchiveEntry entry = new TarArchiveEntry(name);
                entry.setSize(file.getValue().length);
                entry.setMode(mode);
                tar.putArchiveEntry(entry);
                tar.write(file.getValue());
                tar.closeArchiveEntry();
            }
        }
    }

    /** A tar of the directory's content under {@code prefix}; symbolic links are kept as links. */
    public static void writeDirectory(OutputStream out, Path directory, String prefix, Predicate<Path> skip)
            throws IOException {
        try (TarArchiveOutputStream tar = newTar(out)) {
            addDirectories(tar, prefix);
            Files.walkFileTree(directory, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) throws IOException {
                    if (dir.equals(directory)) {
                        return FileVisitResult.CONTINUE;
                    }
                    Path relative = directory.relativize(dir);
                    if (skip.test(relative)) {
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                    TarArchiveEntry entry = new TarArchiveEntry(prefix + "/" + slashes(relative) + "/");
                    entry.setMode(0755);
                    tar.putArchiveEntry(entry);
                    tar.closeArchiveEntry();
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                    Path relative = directory.relativize(file);
                    if (skip.test(relative)) {
                        return FileVisitResult.CONTINUE;
                    }
                    String name = prefix + "/" + slashes(relative);
                    if (attributes.isSymbolicLink()) {
                        TarArchiveEntry link = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
                        link.setLinkName(Files.readSymbolicLink(file).toString());
                        tar.putArchiveEntry(link);
                        tar.closeArchiveEntry();
                        return FileVisitResult.CONTINUE;
                    }
                    TarArchiveEntry entry = new TarArchiveEntry(name);
                    entry.setSize(attributes.size());
                    entry.setMode(isExecutable(file) ? 0755 : 0644);
                    tar.putArchiveEntry(entry);
                    Files.copy(file, tar);
                    tar.closeArchiveEntry();
                    return FileVisitResult.CONTINUE;
                }
            });
        }
    }

    /**
     * Converts a zip file (an artifacts or cache archive) into a tar under {@code prefix}, refusing entries that would
     * escape it. Returns the number of files.
     */
    public static int zipToTar(Path zipFile, OutputStream out, String prefix) throws IOException {
        int files = 0;
        // a zip file, not a stream: unix modes live in the central directory, which a stream reader never sees
        try (ZipFile zip = ZipFile.builder().setPath(zipFile).get(); TarArchiveOutputStream tar = newTar(out)) {
            addDirectories(tar, prefix);
            for (ZipArchiveEntry zipEntry : java.util.Collections.list(zip.getEntriesInPhysicalOrder())) {
                String name = safeRelative(zipEntry.getName());
                if (zipEntry.isDirectory()) {
                    TarArchiveEntry entry = new TarArchiveEntry(prefix + "/" + name + "/");
                    entry.setMode(0755);
                    tar.putArchiveEntry(entry);
                    tar.closeArchiveEntry();
                    continue;
                }
                TarArchiveEntry entry = new TarArchiveEntry(prefix + "/" + name);
                entry.setSize(zipEntry.getSize());
                // keep the executable bit the zip recorded (GitLab's archiver records unix modes)
                entry.setMode((zipEntry.getUnixMode() & 0111) != 0 ? 0755 : 0644);
                tar.putArchiveEntry(entry);
                try (InputStream content = zip.getInputStream(zipEntry)) {
                    content.transferTo(tar);
                }
                tar.closeArchiveEntry();
                files++;
            }
        }
        return files;
    }

    /**
     * Copies a tar with every entry owned by {@code uid:gid}; user and group names are dropped so that the numbers
     * decide on extraction (the Engine applies a tar's ownership as it is).
     */
    public static void chown(InputStream in, OutputStream out, int uid, int gid) throws IOException {
        TarArchiveInputStream source = new TarArchiveInputStream(in, StandardCharsets.UTF_8.name());
        try (TarArchiveOutputStream tar = newTar(out)) {
            TarArchiveEntry entry;
            while ((entry = source.getNextEntry()) != null) {
                entry.setUserId(uid);
                entry.setGroupId(gid);
                entry.setUserName("");
                entry.setGroupName("");
                tar.putArchiveEntry(entry);
                if (entry.isFile() && entry.getSize() > 0) {
                    source.transferTo(tar);
                }
                tar.closeArchiveEntry();
            }
        }
    }

    /**
     * Reads a tar of the project directory (as the Engine's archive download gives it, rooted at the directory's
     * own name) and writes the entries the rule selects into a zip. Returns the number of files written.
     */
    public static int tarToZip(InputStream tarStream, OutputStream out, Selection selection) throws IOException {
        int files = 0;
        try (TarArchiveInputStream tar = new TarArchiveInputStream(tarStream);
                ZipArchiveOutputStream zip = new ZipArchiveOutputStream(out)) {
            for (TarArchiveEntry entry; (entry = tar.getNextEntry()) != null; ) {
                String name = entry.getName();
                int slash = name.indexOf('/');
                // drop the archive's root directory: paths are relative to the project directory
                String relative = slash < 0 ? "" : name.substring(slash + 1);
                if (relative.endsWith("/")) {
                    relative = relative.substring(0, relative.length() - 1);
                }
                if (relative.isEmpty() || entry.isDirectory() || !selection.includes(relative)) {
                    continue;
                }
                if (entry.isSymbolicLink() || !entry.isFile()) {
                    continue;
                }
                ZipArchiveEntry zipEntry = new ZipArchiveEntry(relative);
                zipEntry.setTime(entry.getModTime().getTime());
                zipEntry.setUnixMode(entry.getMode() & 0777);
                zip.putArchiveEntry(zipEntry);
                tar.transferTo(zip);
                zip.closeArchiveEntry();
                files++;
            }
            if (files == 0) {
                // an empty zip is still a valid archive
                zip.setComment("empty");
            }
        }
        return files;
    }

    /** Which files of the project an artifacts or cache rule takes: GitLab's globs, excludes, and untracked. */
    public record Selection(List<String> paths, List<String> exclude, boolean untracked, Set<String> tracked) {

        public boolean includes(String relative) {
            // untracked is `git ls-files --others`: never the repository's own metadata
            boolean included = (untracked && tracked != null && !tracked.contains(relative) && !isVcsMetadata(relative))
                    || matchesAny(paths, relative);
            return included && !matchesAny(exclude, relative);
        }

        private static boolean isVcsMetadata(String relative) {
            return relative.equals(".git") || relative.startsWith(".git/") || relative.equals(".hg")
                    || relative.startsWith(".hg/");
        }

        /** A path is taken when it or one of its parent directories matches a pattern. */
        private static boolean matchesAny(List<String> patterns, String relative) {
            for (String pattern : patterns) {
                String cleaned = cleanPattern(pattern);
                if (cleaned.isEmpty()) {
                    continue;
                }
                PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + cleaned);
                Path path = Path.of(relative);
                for (Path candidate = path; candidate != null; candidate = candidate.getParent()) {
                    if (matcher.matches(candidate)) {
                        return true;
                    }
                }
            }
            return false;
        }

        private static String cleanPattern(String pattern) {
            String cleaned = pattern.strip();
            while (cleaned.startsWith("./")) {
                cleaned = cleaned.substring(2);
            }
            while (cleaned.endsWith("/")) {
                cleaned = cleaned.substring(0, cleaned.length() - 1);
            }
            // patterns may not reach outside the project
            return cleaned.startsWith("/") || List.of(cleaned.split("/")).contains("..") ? "" : cleaned;
        }
    }

    /** A relative path inside the target, or an exception: no absolute paths, no "..", no empty segments. */
    static String safeRelative(String name) throws IOException {
        String cleaned = name.replace('\\', '/');
        while (cleaned.startsWith("./")) {
            cleaned = cleaned.substring(2);
        }
        if (cleaned.endsWith("/")) {
            cleaned = cleaned.substring(0, cleaned.length() - 1);
        }
        if (cleaned.isEmpty() || cleaned.startsWith("/")) {
            throw new IOException("archive entry '" + name + "' is not a relative path");
        }
        for (String segment : cleaned.split("/")) {
            if (segment.isEmpty() || segment.equals("..") || segment.equals(".")) {
                throw new IOException("archive entry '" + name + "' would leave the target directory");
            }
        }
        return cleaned;
    }

    private static TarArchiveOutputStream newTar(OutputStream out) {
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out, StandardCharsets.UTF_8.name());
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        return tar;
    }

    private static void addDirectories(TarArchiveOutputStream tar, String prefix) throws IOException {
        addDirectories(tar, prefix, new java.util.HashSet<>());
    }

    private static void addDirectories(TarArchiveOutputStream tar, String prefix, java.util.Set<String> written)
            throws IOException {
        List<String> parts = new ArrayList<>();
        for (String segment : prefix.split("/")) {
            parts.add(segment);
            if (!written.add(String.join("/", parts))) {
                continue;
            }
            TarArchiveEntry entry = new TarArchiveEntry(String.join("/", parts) + "/");
            entry.setMode(0755);
            tar.putArchiveEntry(entry);
            tar.closeArchiveEntry();
        }
    }

    private static boolean isExecutable(Path file) {
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
            return permissions.contains(PosixFilePermission.OWNER_EXECUTE);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    private static String slashes(Path relative) {
        return relative.toString().replace('\\', '/');
    }
}
