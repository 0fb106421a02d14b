package org.cleverrunner.docker.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
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
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.zip.UnixStat;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorInputStream;

/**
 * Tar and zip streams for the Engine archive API, caches and artifacts, built with commons-compress and always
 * streamed: nothing is held in memory but a buffer (and, when restoring, one small record per entry). Saving
 * ({@link #archive}, {@link #tarToZip}) turns the project's tar into a zip or a tar+zstd archive as GitLab Runner
 * writes them, symlinks included; restoring ({@link #extract}, {@link #zipToTar}) checks the whole archive before
 * writing anything, so that an archive can never write outside the directory it is extracted into and a damaged one
 * is refused rather than half extracted.
 */
public final class Archives {

    /** Symlink targets longer than this are not links a build makes (Linux's PATH_MAX, less its NUL). */
    private static final int MAX_LINK_TARGET = 4095;
    /** Longer names would fail in the Engine halfway through an extraction. */
    private static final int MAX_NAME = 4095;
    private static final int MAX_SEGMENT = 255;

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

    // ------------------------------------------------------------------ saving: the project's tar to an archive

    /**
     * Reads a tar of the project directory (as the Engine's archive download gives it, rooted at the directory's
     * own name) and writes the entries the rule selects into a zip at the default compression level. Returns the
     * number of entries written (regular files and symlinks); see {@link #archive} for what is left out.
     */
    public static int tarToZip(InputStream tarStream, OutputStream out, Selection selection) throws IOException {
        return tarToZip(tarStream, out, selection, CompressionLevel.DEFAULT);
    }

    /** {@link #tarToZip(InputStream, OutputStream, Selection)} at the given compression level. */
    public static int tarToZip(InputStream tarStream, OutputStream out, Selection selection, CompressionLevel level)
            throws IOException {
        return archive(tarStream, out, selection, Format.ZIP, level).entries();
    }

    /**
     * Reads a tar of the project directory (rooted at the directory's own name, as the Engine's archive download
     * gives it) and writes the entries the selection takes as an archive of {@code format}, with names relative to
     * the project. {@code out} is closed.
     *
     * <p>Regular files keep their unix mode and modification time. Symlinks are stored as GitLab Runner's archiver
     * stores them: in a zip, an entry of unix mode {@code S_IFLNK|0777} whose content is the link's target; in a
     * tar, a symlink entry. Their targets are kept as they are: whether a link is safe is decided when the archive is
     * extracted. Directories are not stored (extraction creates the parents of what it writes). Everything else is
     * left out, each with a line in {@link Summary#skipped()}: hard links, devices, FIFOs and sockets (only regular
     * files, directories and symlinks are archived), and names that extraction would refuse (backslashes, NUL
     * characters, overlong names), so that a saved archive can always be restored.
     *
     * @throws IOException if the tar cannot be read (a truncated stream, an entry shorter than its declared size)
     *     or the archive cannot be written; what was written to {@code out} is then not a usable archive
     */
    public static Summary archive(InputStream tarStream, OutputStream out, Selection selection, Format format,
            CompressionLevel level) throws IOException {
        Objects.requireNonNull(selection, "selection");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(level, "level");
        int files = 0;
        int links = 0;
        List<String> skipped = new ArrayList<>();
        OutputStream sealed = ArchiveSeal.sealing(out);
        try (TarArchiveInputStream tar = new TarArchiveInputStream(tarStream, StandardCharsets.UTF_8.name());
                ArchiveSinks.Sink sink = ArchiveSinks.open(sealed, format, level)) {
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
                String problem = nameProblem(relative);
                if (problem != null) {
                    skipped.add("skipped " + shown(relative) + ": its name " + problem);
                } else if (entry.isSymbolicLink()) {
                    sink.link(relative, entry.getLinkName(), entry.getModTime().getTime());
                    links++;
                } else if (isRegular(entry)) {
                    sink.file(relative, entry.getMode(), entry.getSize(), entry.getModTime().getTime(), tar);
                    files++;
                } else {
                    skipped.add("skipped " + shown(relative) + ": " + describe(entry)
                            + ", only regular files, directories and symlinks are archived");
                }
            }
        }
        return new Summary(format, files, links, skipped);
    }

    /**
     * zstd through commons-compress and zstd-jni, only touched for {@link Format#TAR_ZSTD} so that the zip paths
     * never load the native library; a library that cannot load is an {@link IOException}, not an error that would
     * escape the callers' handling.
     */
    private static final class Zstd {
        static InputStream decompress(InputStream in) throws IOException {
            try {
                return new ZstdCompressorInputStream(in);
            } catch (LinkageError e) {
                throw new IOException("zstd is not available here: " + e, e);
            }
        }
    }

    /** Regular file data: what a tar calls a normal (or contiguous) file; hard links and devices are not. */
    private static boolean isRegular(TarArchiveEntry entry) {
        byte flag = entry.getLinkFlag();
        return (flag == TarArchiveEntry.LF_NORMAL || flag == TarArchiveEntry.LF_OLDNORM
                || flag == TarArchiveEntry.LF_CONTIG) && !entry.isSparse();
    }

    private static String describe(TarArchiveEntry entry) {
        if (entry.isLink()) {
            return "a hard link (to " + shown(entry.getLinkName()) + ")";
        } else if (entry.isCharacterDevice()) {
            return "a character device";
        } else if (entry.isBlockDevice()) {
            return "a block device";
        } else if (entry.isFIFO()) {
            return "a FIFO";
        } else if (entry.isSparse()) {
            return "a sparse file";
        }
        return "a tar entry of type '" + (char) entry.getLinkFlag() + "'";
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

    // ------------------------------------------------------------------ restoring: an archive to a tar for the Engine

    /**
     * Converts a cache or artifacts archive into a tar under {@code prefix}, as {@link #extract} does, and returns
     * the number of entries written (regular files and symlinks). Despite its name it takes tar+zstd archives too;
     * callers that want to report the symlinks and entries it skipped use {@link #extract}.
     */
    public static int zipToTar(Path zipFile, OutputStream out, String prefix) throws IOException {
        return extract(zipFile, out, prefix).entries();
    }

    /**
     * Converts a cache or artifacts archive (a zip, or a tar inside zstd; told apart by their first bytes) into a tar
     * whose every entry lies under {@code prefix}, for the Engine to extract. {@code out} is closed once the tar is
     * complete.
     *
     * <p>Restoring is all or nothing, so that a job runs uncached rather than half-cached: a first pass reads the
     * whole archive (every name checked, every byte read and, in a zip, checked against its CRC) before a single tar
     * byte is written. An archive this runner saved carries an {@link ArchiveSeal}, a checksum of the whole file:
     * when it matches, the first pass reads names and link targets only and each file's data is checked as it
     * streams (inflated once, not twice); when it does not, the archive is refused. Any of the following refuses the
     * whole archive with an {@link InvalidArchiveException} naming the entry (GitLab Runner's extractors also fail
     * the whole extraction on a zip-slip entry):
     * <ul>
     *   <li>a name that would leave the prefix or that the Engine could not extract: absolute, {@code ..} or
     *       {@code .} segments ({@code ../x}, {@code a/../../x}), empty segments, backslashes, NUL characters,
     *       empty names, overlong names;</li>
     *   <li>the same name twice ({@code a} and {@code a/} count as the same);</li>
     *   <li>an entry inside a path that the archive stores as a symlink or a file, wherever that symlink points and
     *       in whichever order they come ({@code d -> sub} then {@code d/x} is refused too): writing through a link
     *       is how an archive reaches outside the directory it is extracted into (the link itself is kept when it
     *       comes alone);</li>
     *   <li>a damaged archive: empty, not a zip nor tar+zstd, truncated, an entry whose data fails its CRC or holds
     *       more or fewer bytes than declared, a compression method or encryption this reader does not support.</li>
     * </ul>
     *
     * <p>Entries that are merely unusable are skipped, each with a line in {@link Summary#skipped()} for the job log:
     * a symlink whose target is empty, overlong or holds a NUL character; devices, FIFOs, sockets and hard links.
     * Symlinks are kept wherever they point ({@code /usr/bin/python3}, {@code ../../x}), as GitLab Runner keeps them:
     * the Engine extracts inside the container, where they resolve against its own root. A leading {@code ./} is dropped and an entry naming the prefix itself ({@code ./}) is
     * ignored. Files keep their executable bit (0755 or 0644) and modification time; every directory is written
     * with mode 0755, the parents of every entry included, so that the whole tree gets the owner the tar is given.
     *
     * <p>Only the archive itself is checked: a symlink already in the directory (say, committed to the repository)
     * is the Engine's to resolve, which it does inside the container.
     *
     * @throws InvalidArchiveException if the archive is refused; nothing has been written to {@code out} then,
     *     except when an intact seal vouched for data that then fails its CRC (an archiver's bug or a forged seal)
     * @throws IllegalArgumentException if {@code prefix} is not a safe relative path
     */
    public static Summary extract(Path archive, OutputStream out, String prefix) throws IOException {
        String root = checkedPrefix(prefix);
        Format format = detect(archive);
        ArchiveSeal.State seal = ArchiveSeal.check(archive, format);
        if (seal == ArchiveSeal.State.BROKEN) {
            throw new InvalidArchiveException("archive is corrupt: its bytes no longer match the checksum this runner"
                    + " sealed it with when it was saved");
        }
        boolean sealed = seal == ArchiveSeal.State.INTACT;
        try (Source source = format == Format.ZIP ? new ZipSource(archive) : new TarZstdSource(archive)) {
            // an intact seal vouches for every byte: the first pass then checks names and links only; a zip's
            // bytes are checked on every core after it, a tar+zstd's (a stream) during it
            Plan plan = Plan.verify(source, !sealed && format == Format.TAR_ZSTD);
            if (!sealed && source instanceof ZipSource zip) {
                zip.checkEveryByte(Runtime.getRuntime().availableProcessors());
            }
            return plan.write(source, format, out, root);
        }
    }

    /**
     * The format of an archive, from its first bytes: a zip ({@code PK\3\4}, or {@code PK\5\6} for an empty one) or a
     * zstd frame ({@code 28 B5 2F FD}), taken as a tar inside zstd.
     *
     * @throws InvalidArchiveException if the file is empty or neither
     */
    public static Format detect(Path archive) throws IOException {
        byte[] head = new byte[4];
        int read;
        try (InputStream in = Files.newInputStream(archive)) {
            read = in.readNBytes(head, 0, head.length);
        }
        if (read == 0) {
            throw new InvalidArchiveException("archive is corrupt: the file is empty");
        }
        if (read == 4 && head[0] == 'P' && head[1] == 'K'
                && ((head[2] == 3 && head[3] == 4) || (head[2] == 5 && head[3] == 6))) {
            return Format.ZIP;
        }
        if (read == 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5 && (head[2] & 0xff) == 0x2f
                && (head[3] & 0xff) == 0xfd) {
            return Format.TAR_ZSTD;
        }
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < read; i++) {
            hex.append(String.format("%02x", head[i] & 0xff));
        }
        throw new InvalidArchiveException("archive is corrupt: neither a zip nor a tar+zstd archive (it starts with "
                + hex + ")");
    }

    private enum Kind { DIRECTORY, FILE, LINK, OTHER }

    /**
     * One entry as a source reads it: {@code crc} is -1 where the format has none (tar), {@code target} is null
     * where the link's target is the entry's content (zip), {@code other} says what an {@link Kind#OTHER} entry is.
     */
    private record Raw(String name, Kind kind, long size, long crc, int mode, long modified, String target,
            String other) {
    }

    @FunctionalInterface
    private interface Visitor {
        void entry(Raw raw, InputStream content) throws IOException;
    }

    /** An archive that can be read from its start more than once. */
    private interface Source extends java.io.Closeable {
        void visit(Visitor visitor) throws IOException;
    }

    /** A zip file, not a stream: unix modes live in the central directory, which a stream reader never sees. */
    private static final class ZipSource implements Source {
        private final Path path;
        private final ZipFile zip;
        private final List<ZipArchiveEntry> entries;

        ZipSource(Path path) throws IOException {
            this.path = path;
            try {
                zip = ZipFile.builder().setPath(path).get();
            } catch (IOException e) {
                throw endsLikeZip(path)
                        ? new InvalidArchiveException("archive is corrupt: its zip central directory cannot be read ("
                                + Messages.oneLine(e) + ")", e)
                        : new InvalidArchiveException("archive is truncated: the zip has no central directory at its "
                                + "end (" + Files.size(path) + " bytes)", e);
            }
            entries = java.util.Collections.list(zip.getEntriesInPhysicalOrder());
        }

        @Override
        public void visit(Visitor visitor) throws IOException {
            visit(zip, entries, visitor);
        }

        /**
         * Reads every byte of every entry, each against its size and CRC, on a thread per core (a zip's entries can
         * be read in any order); the first damaged entry in the archive's order is the one reported.
         */
        void checkEveryByte(int threads) throws IOException {
            int count = Math.max(1, Math.min(threads, entries.size()));
            List<List<ZipArchiveEntry>> shares = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                shares.add(new ArrayList<>());
            }
            for (int i = 0; i < entries.size(); i++) {
                shares.get(i % count).add(entries.get(i));
            }
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(count,
                    runnable -> {
                        Thread thread = new Thread(runnable, "cache-verify");
                        thread.setDaemon(true);
                        return thread;
                    });
            try {
                List<java.util.concurrent.Future<Damage>> checks = new ArrayList<>();
                for (List<ZipArchiveEntry> share : shares) {
                    checks.add(pool.submit(() -> checkShare(share)));
                }
                Damage first = null;
                for (var check : checks) {
                    Damage damage = check.get();
                    if (damage != null && (first == null || damage.position() < first.position())) {
                        first = damage;
                    }
                }
                if (first != null) {
                    throw first.failure() instanceof InvalidArchiveException invalid ? invalid
                            : damaged("entry '" + shown(first.name()) + "': ", first.failure());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while the archive was checked");
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IOException("cannot check the archive: " + e.getCause(), e.getCause());
            } finally {
                pool.shutdownNow();
            }
        }

        private record Damage(long position, String name, IOException failure) {
        }

        /** One thread's entries, through a ZipFile of its own; the first damaged one, or null. */
        private Damage checkShare(List<ZipArchiveEntry> share) throws IOException {
            try (ZipFile own = ZipFile.builder().setPath(path).get()) {
                for (ZipArchiveEntry entry : share) {
                    try {
                        visit(own, List.of(entry), (raw, content) -> {
                            if (raw.kind() != Kind.DIRECTORY) {
                                Plan.copyChecked(raw, content, OutputStream.nullOutputStream());
                            }
                        });
                    } catch (IOException e) {
                        return new Damage(entry.getLocalHeaderOffset(), entry.getName(), e);
                    }
                }
                return null;
            }
        }

        private static void visit(ZipFile zip, List<ZipArchiveEntry> entries, Visitor visitor) throws IOException {
            for (ZipArchiveEntry entry : entries) {
                int unix = entry.getPlatform() == ZipArchiveEntry.PLATFORM_UNIX ? entry.getUnixMode() : 0;
                int type = unix & UnixStat.FILE_TYPE_FLAG;
                Kind kind;
                String other = null;
                if (entry.isDirectory() || type == UnixStat.DIR_FLAG) {
                    kind = Kind.DIRECTORY;
                } else if (type == UnixStat.LINK_FLAG) {
                    kind = Kind.LINK;
                } else if (type == 0 || type == UnixStat.FILE_FLAG) {
                    kind = Kind.FILE;
                } else {
                    kind = Kind.OTHER;
                    other = unixType(type);
                }
                Raw raw = new Raw(entry.getName(), kind, entry.getSize(), entry.getCrc(), unix, entry.getTime(), null,
                        other);
                if (kind == Kind.DIRECTORY) {
                    visitor.entry(raw, InputStream.nullInputStream());
                    continue;
                }
                if (!zip.canReadEntryData(entry)) {
                    throw new InvalidArchiveException("archive is not supported: entry '" + shown(entry.getName())
                            + "' is encrypted or uses compression method " + entry.getMethod());
                }
                try (InputStream content = zip.getInputStream(entry)) {
                    visitor.entry(raw, content);
                }
            }
        }

        @Override
        public void close() throws IOException {
            zip.close();
        }
    }

    /** A tar inside zstd, as GitLab Runner's tarzstd archiver writes it (names relative to the project). */
    private static final class TarZstdSource implements Source {
        private final Path path;

        TarZstdSource(Path path) {
            this.path = path;
        }

        @Override
        public void visit(Visitor visitor) throws IOException {
            try (InputStream file = new java.io.BufferedInputStream(Files.newInputStream(path), 64 * 1024);
                    InputStream zstd = Zstd.decompress(file);
                    TarArchiveInputStream tar = new TarArchiveInputStream(zstd, StandardCharsets.UTF_8.name())) {
                for (TarArchiveEntry entry; (entry = tar.getNextEntry()) != null; ) {
                    Kind kind;
                    String other = null;
                    if (entry.isDirectory()) {
                        kind = Kind.DIRECTORY;
                    } else if (entry.isSymbolicLink()) {
                        kind = Kind.LINK;
                    } else if (isRegular(entry)) {
                        kind = Kind.FILE;
                    } else {
                        kind = Kind.OTHER;
                        other = describe(entry);
                    }
                    visitor.entry(new Raw(entry.getName(), kind, kind == Kind.FILE ? entry.getSize() : 0, -1,
                            entry.getMode(), entry.getModTime().getTime(),
                            kind == Kind.LINK ? entry.getLinkName() : null, other), tar);
                }
            }
        }

        @Override
        public void close() {
        }
    }

    /** What the verification pass decided for each entry, in the archive's order. */
    private record Step(String raw, String name, Kind kind, long size, int mode, long modified, String target,
            boolean skip) {
    }

    private static final class Plan {
        private final List<Step> steps = new ArrayList<>();
        private final Map<String, Kind> kinds = new java.util.HashMap<>();
        private final List<String> skipped = new ArrayList<>();
        private final boolean everyByte;

        private Plan(boolean everyByte) {
            this.everyByte = everyByte;
        }

        /**
         * Reads the whole archive once, checking every name and, with {@code everyByte}, every byte of every entry
         * (else only the links' targets are read); throws if it is to be refused.
         */
        static Plan verify(Source source, boolean everyByte) throws IOException {
            Plan plan = new Plan(everyByte);
            String[] current = {null};
            try {
                source.visit((raw, content) -> {
                    current[0] = raw.name();
                    plan.add(raw, content);
                });
            } catch (InvalidArchiveException e) {
                throw e;
            } catch (IOException e) {
                throw damaged(current[0] == null ? "" : "entry '" + shown(current[0]) + "': ", e);
            }
            plan.checkStructure();
            plan.checkLinks();
            return plan;
        }

        private void add(Raw raw, InputStream content) throws IOException {
            String name = entryName(raw.name());
            if (name == null) {
                // the directory the archive is extracted into
                steps.add(new Step(raw.name(), null, Kind.DIRECTORY, 0, 0, -1, null, true));
                return;
            }
            if (kinds.putIfAbsent(name, raw.kind()) != null) {
                throw new InvalidArchiveException("archive refused: entry '" + shown(name) + "' appears twice");
            }
            String target = raw.target();
            switch (raw.kind()) {
                case FILE -> {
                    if (everyByte) {
                        copyChecked(raw, content, OutputStream.nullOutputStream());
                    }
                }
                case LINK -> {
                    if (target == null) {
                        // in a zip, the target is the entry's content; null when it cannot be a target
                        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                        copyChecked(raw, content, new Bounded(bytes, MAX_LINK_TARGET + 1));
                        target = raw.size() > MAX_LINK_TARGET ? null : utf8(bytes.toByteArray());
                    }
                }
                case OTHER -> {
                    if (everyByte) {
                        copyChecked(raw, content, OutputStream.nullOutputStream());
                    }
                    skipped.add("skipped " + shown(name) + ": " + raw.other()
                            + ", only regular files, directories and symlinks are extracted");
                }
                default -> {
                }
            }
            steps.add(new Step(raw.name(), name, raw.kind(), raw.size(), raw.mode(), raw.modified(), target,
                    raw.kind() == Kind.OTHER));
        }

        /**
         * Copies an entry's data to its end: exactly as many bytes as declared, matching the CRC where there is one.
         * When an entry fails, what was copied of it is not to be trusted.
         */
        private static void copyChecked(Raw raw, InputStream content, OutputStream sink) throws IOException {
            CRC32 crc = new CRC32();
            byte[] buffer = new byte[64 * 1024];
            long count = 0;
            for (int read; (read = content.read(buffer)) > 0; ) {
                count += read;
                if (count > raw.size()) {
                    throw new InvalidArchiveException("archive is corrupt: entry '" + shown(raw.name())
                            + "' holds more than the " + raw.size() + " bytes it declares");
                }
                crc.update(buffer, 0, read);
                sink.write(buffer, 0, read);
            }
            if (count != raw.size()) {
                throw new InvalidArchiveException("archive is corrupt: entry '" + shown(raw.name()) + "' holds "
                        + count + " of the " + raw.size() + " bytes it declares");
            }
            if (raw.crc() >= 0 && crc.getValue() != raw.crc()) {
                throw new InvalidArchiveException("archive is corrupt: entry '" + shown(raw.name())
                        + "' fails its CRC check");
            }
        }

        /** Keeps the first {@code limit} bytes written, drops the rest. */
        private static final class Bounded extends java.io.FilterOutputStream {
            private long left;

            Bounded(OutputStream out, long limit) {
                super(out);
                left = limit;
            }

            @Override
            public void write(byte[] bytes, int off, int len) throws IOException {
                int kept = (int) Math.min(len, left);
                if (kept > 0) {
                    out.write(bytes, off, kept);
                    left -= kept;
                }
            }
        }

        /** No entry inside a path that the archive stores as a symlink or a file, in any order. */
        private void checkStructure() throws InvalidArchiveException {
            for (Step step : steps) {
                if (step.name() == null) {
                    continue;
                }
                for (String parent = parentOf(step.name()); parent != null; parent = parentOf(parent)) {
                    Kind kind = kinds.get(parent);
                    if (kind == Kind.LINK) {
                        throw new InvalidArchiveException("archive refused: entry '" + shown(step.name())
                                + "' is inside '" + shown(parent) + "', a symlink of this archive");
                    }
                    if (kind == Kind.FILE || kind == Kind.OTHER) {
                        throw new InvalidArchiveException("archive refused: entry '" + shown(step.name())
                                + "' is inside '" + shown(parent) + "', which the archive stores as a file");
                    }
                }
            }
        }

        /** Links that cannot be links (an empty target…) are skipped, with the reason. */
        private void checkLinks() {
            for (int i = 0; i < steps.size(); i++) {
                Step step = steps.get(i);
                if (step.kind() != Kind.LINK || step.skip()) {
                    continue;
                }
                String problem = linkProblem(step.target());
                if (problem != null) {
                    skipped.add("skipped symlink " + shown(step.name()) + " -> "
                            + (step.target() == null ? "?" : shown(step.target())) + ": " + problem);
                    steps.set(i, new Step(step.raw(), step.name(), step.kind(), step.size(), step.mode(),
                            step.modified(), step.target(), true));
                }
            }
        }

        /** The second pass: the tar, entry by entry, as the first pass decided. */
        Summary write(Source source, Format format, OutputStream out, String root) throws IOException {
            int[] counts = new int[3]; // index, files, links
            try (TarArchiveOutputStream tar = newTar(out)) {
                Set<String> written = new java.util.HashSet<>();
                addDirectories(tar, root, written);
                source.visit((raw, content) -> {
                    int index = counts[0]++;
                    if (index >= steps.size() || !steps.get(index).raw().equals(raw.name())) {
                        throw new IOException("the archive changed while it was extracted");
                    }
                    Step step = steps.get(index);
                    if (step.skip()) {
                        return;
                    }
                    String path = root + "/" + step.name();
                    String parent = parentOf(step.name());
                    if (parent != null) {
                        addDirectories(tar, root + "/" + parent, written);
                    }
                    switch (step.kind()) {
                        case DIRECTORY -> addDirectories(tar, path, written);
                        case FILE -> {
                            TarArchiveEntry entry = new TarArchiveEntry(path);
                            entry.setSize(step.size());
                            // keep the executable bit the archive recorded (GitLab's archiver records unix modes)
                            entry.setMode((step.mode() & 0111) != 0 ? 0755 : 0644);
                            if (step.modified() >= 0) {
                                entry.setModTime(step.modified());
                            }
                            tar.putArchiveEntry(entry);
                            // checked again as it streams: the first pass read no file data of a sealed archive
                            Plan.copyChecked(raw, content, tar);
                            tar.closeArchiveEntry();
                            counts[1]++;
                        }
                        case LINK -> {
                            TarArchiveEntry entry = new TarArchiveEntry(path, TarArchiveEntry.LF_SYMLINK);
                            entry.setLinkName(step.target());
                            entry.setMode(0777);
                            if (step.modified() >= 0) {
                                entry.setModTime(step.modified());
                            }
                            tar.putArchiveEntry(entry);
                            tar.closeArchiveEntry();
                            counts[2]++;
                        }
                        default -> {
                        }
                    }
                });
            }
            return new Summary(format, counts[1], counts[2], skipped);
        }
    }

    /**
     * Why a symlink pointing at {@code target} cannot be extracted, or null. Where it points is not checked, as
     * GitLab Runner does not check it: the Engine extracts inside the container, where a link resolves against the
     * container's own root ({@code .venv/bin/python -> /usr/bin/python3} is what a Python venv holds), and nothing
     * is ever written through a link of the archive (such an archive is refused whole).
     */
    static String linkProblem(String target) {
        if (target == null) {
            return "its target is not UTF-8 or longer than " + MAX_LINK_TARGET + " bytes";
        }
        if (target.isEmpty()) {
            return "its target is empty";
        }
        if (target.getBytes(StandardCharsets.UTF_8).length > MAX_LINK_TARGET) {
            return "its target is longer than " + MAX_LINK_TARGET + " bytes";
        }
        if (target.indexOf('\0') >= 0) {
            return "its target contains a NUL character";
        }
        return null;
    }

    /**
     * An archive entry's name made relative (a leading {@code ./} dropped, a directory's trailing slash too), null
     * for the extraction root itself, or an exception saying why the archive is refused.
     */
    private static String entryName(String raw) throws InvalidArchiveException {
        String name = raw;
        while (name.startsWith("./")) {
            name = name.substring(2);
        }
        if (!raw.isEmpty() && (name.isEmpty() || name.equals("."))) {
            return null;
        }
        if (name.endsWith("/")) {
            name = name.substring(0, name.length() - 1);
        }
        String problem = nameProblem(name);
        if (problem != null) {
            throw new InvalidArchiveException("archive refused: entry '" + shown(raw) + "': its name " + problem);
        }
        return name;
    }

    private static String checkedPrefix(String prefix) {
        String problem = prefix == null ? "is missing" : nameProblem(prefix);
        if (problem != null) {
            throw new IllegalArgumentException("extraction prefix '" + shown(String.valueOf(prefix)) + "' " + problem);
        }
        return prefix;
    }

    /** Why a relative name is not one that can be extracted safely, or null. */
    static String nameProblem(String name) {
        if (name.isEmpty()) {
            return "is empty";
        }
        if (name.indexOf('\0') >= 0) {
            return "contains a NUL character";
        }
        if (name.indexOf('\\') >= 0) {
            return "contains a backslash";
        }
        if (name.startsWith("/")) {
            return "is an absolute path";
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME) {
            return "is longer than " + MAX_NAME + " bytes";
        }
        for (String segment : name.split("/", -1)) {
            if (segment.isEmpty()) {
                return "has an empty path segment";
            }
            if (segment.equals("..")) {
                return "would leave the directory it is extracted into";
            }
            if (segment.equals(".")) {
                return "has a '.' path segment";
            }
            if (segment.getBytes(StandardCharsets.UTF_8).length > MAX_SEGMENT) {
                return "has a path segment longer than " + MAX_SEGMENT + " bytes";
            }
        }
        return null;
    }

    private static String parentOf(String name) {
        int slash = name.lastIndexOf('/');
        return slash < 0 ? null : name.substring(0, slash);
    }

    /** A name as messages show it: control characters escaped, at most 200 characters. */
    static String shown(String name) {
        StringBuilder shown = new StringBuilder();
        for (int i = 0; i < name.length() && shown.length() < 200; i++) {
            char c = name.charAt(i);
            if (c == 0) {
                shown.append("\\0");
            } else if (Character.isISOControl(c)) {
                shown.append(String.format("\\u%04x", (int) c));
            } else {
                shown.append(c);
            }
        }
        return shown.length() < 200 ? shown.toString() : shown + "…";
    }

    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static String unixType(int type) {
        return switch (type) {
            case 0010000 -> "a FIFO";
            case 0020000 -> "a character device";
            case 0060000 -> "a block device";
            case 0140000 -> "a socket";
            default -> "an entry of unix file type 0" + Integer.toOctalString(type);
        };
    }

    /** An I/O failure while reading an archive, said as what it tells about the archive. */
    private static InvalidArchiveException damaged(String where, IOException e) {
        String message = String.valueOf(e.getMessage());
        boolean truncated = e instanceof java.io.EOFException || message.toLowerCase(java.util.Locale.ROOT)
                .contains("truncated");
        return new InvalidArchiveException("archive is " + (truncated ? "truncated" : "corrupt") + ": " + where
                + Messages.oneLine(e), e);
    }

    /** Whether the last 64 KiB of a file hold a zip's end-of-central-directory signature. */
    private static boolean endsLikeZip(Path path) throws IOException {
        try (java.nio.channels.SeekableByteChannel channel = Files.newByteChannel(path)) {
            long size = channel.size();
            int tail = (int) Math.min(size, 22 + 65535);
            ByteBuffer buffer = ByteBuffer.allocate(tail);
            channel.position(size - tail);
            while (buffer.hasRemaining() && channel.read(buffer) > 0) {
                // read the whole tail
            }
            byte[] bytes = buffer.array();
            for (int i = bytes.length - 22; i >= 0; i--) {
                if (bytes[i] == 'P' && bytes[i + 1] == 'K' && bytes[i + 2] == 5 && bytes[i + 3] == 6) {
                    return true;
                }
            }
            return false;
        }
    }

    // ------------------------------------------------------------------ options and results

    /** The archive formats of CACHE_COMPRESSION_FORMAT that this runner writes and reads. */
    public enum Format {
        /** A zip, GitLab's default. */
        ZIP("zip"),
        /** A tar inside zstd ({@code tarzstd}). */
        TAR_ZSTD("tarzstd");

        private final String id;

        Format(String id) {
            this.id = id;
        }

        /** The name GitLab gives the format in CACHE_COMPRESSION_FORMAT. */
        public String id() {
            return id;
        }

        /**
         * A CACHE_COMPRESSION_FORMAT value: {@code zip} or {@code tarzstd}; none (null or blank) is zip. Any other
         * value (GitLab's {@code zipzstd} included) is zip too, with a warning for the job log.
         */
        public static Parsed<Format> parse(String value) {
            if (value == null || value.isBlank()) {
                return new Parsed<>(ZIP, Optional.empty());
            }
            for (Format format : values()) {
                if (format.id.equals(value.strip())) {
                    return new Parsed<>(format, Optional.empty());
                }
            }
            return new Parsed<>(ZIP, Optional.of("compression format \"" + shown(value)
                    + "\" is not supported, falling back to zip"));
        }
    }

    /**
     * CACHE_COMPRESSION_LEVEL (and ARTIFACT_COMPRESSION_LEVEL), mapped as GitLab Runner's fastzip archiver maps them
     * for zip (deflate 1, 5, 7, 9 for fast to slowest; fastest stores) and its tarzstd archiver for zstd (the klauspost
     * encoder's speeds: fastest and fast are its fastest, about zstd level 1; then about levels 3, 7 and 11). Where
     * GitLab writes fastest zip entries with the STORE method, this writes them deflated at level 0 (stored blocks):
     * the same cost and size, and a streamed zip needs no CRC before each entry's data.
     */
    public enum CompressionLevel {
        FASTEST("fastest", Deflater.NO_COMPRESSION, 1),
        FAST("fast", Deflater.BEST_SPEED, 1),
        DEFAULT("default", 5, 3),
        SLOW("slow", 7, 7),
        SLOWEST("slowest", Deflater.BEST_COMPRESSION, 11);

        private final String id;
        private final int deflate;
        private final int zstd;

        CompressionLevel(String id, int deflate, int zstd) {
            this.id = id;
            this.deflate = deflate;
            this.zstd = zstd;
        }

        /** The name GitLab gives the level. */
        public String id() {
            return id;
        }

        /** The deflate level of zip entries, 0 to 9. */
        public int deflateLevel() {
            return deflate;
        }

        /** The zstd level of tar+zstd archives. */
        public int zstdLevel() {
            return zstd;
        }

        /**
         * A CACHE_COMPRESSION_LEVEL value as GitLab Runner reads it: {@code fastest}, {@code fast}, {@code default},
         * {@code slow} or {@code slowest}, exactly; none (null or empty) is the default level. Any other value is the
         * default level with a warning for the job log, GitLab's own.
         */
        public static Parsed<CompressionLevel> parse(String value) {
            if (value == null || value.isEmpty()) {
                return new Parsed<>(DEFAULT, Optional.empty());
            }
            for (CompressionLevel level : values()) {
                if (level.id.equals(value)) {
                    return new Parsed<>(level, Optional.empty());
                }
            }
            return new Parsed<>(DEFAULT, Optional.of("compression level \"" + shown(value)
                    + "\" is invalid, falling back to default"));
        }
    }

    /** A value read from a job variable, and the warning to show when the value was not one we know. */
    public record Parsed<T>(T value, Optional<String> warning) {
        public Parsed {
            Objects.requireNonNull(value, "value");
            Objects.requireNonNull(warning, "warning");
        }
    }

    /**
     * What an archive or an extraction did: the regular files and symlinks written, and one line per entry left out
     * (for the job log), such as {@code skipped dev/null: a character device, …}.
     */
    public record Summary(Format format, int files, int links, List<String> skipped) {
        public Summary {
            skipped = List.copyOf(skipped);
        }

        /** Files and symlinks. */
        public int entries() {
            return files + links;
        }
    }

    /**
     * An archive refused as a whole: hostile (an entry that would be written outside the target), corrupt,
     * truncated or not an archive at all. The message names the entry and says which.
     */
    public static final class InvalidArchiveException extends IOException {
        private static final long serialVersionUID = 1L;

        public InvalidArchiveException(String message) {
            super(message);
        }

        public InvalidArchiveException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    static TarArchiveOutputStream newTar(OutputStream out) {
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
