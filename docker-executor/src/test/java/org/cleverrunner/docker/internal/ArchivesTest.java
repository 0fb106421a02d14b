package org.cleverrunner.docker.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.zip.Deflater;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.zip.UnixStat;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorOutputStream;
import org.cleverrunner.docker.internal.Archives.CompressionLevel;
import org.cleverrunner.docker.internal.Archives.Format;
import org.cleverrunner.docker.internal.Archives.InvalidArchiveException;
import org.cleverrunner.docker.internal.Archives.Selection;
import org.cleverrunner.docker.internal.Archives.Summary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Saving and restoring caches and artifacts on archives built entry by entry: symlinks as GitLab Runner stores
 * them, hostile names, links that lead out, entries written through links, damaged archives, compression levels
 * and tar+zstd. Every restore is checked on the tar it writes: nothing outside the prefix, links present or absent.
 */
class ArchivesTest {

    static final String PREFIX = "project";
    static final Selection ALL = new Selection(List.of("**"), List.of(), false, Set.of());

    @TempDir
    Path dir;

    // ------------------------------------------------------------------ symlinks

    @Test
    void savingStoresSymlinksAsGitLabRunnerDoes() throws IOException {
        byte[] tar = projectTar(t -> {
            t.dir("node_modules/");
            t.file("node_modules/tool/bin/tool", 0755, "#!/bin/sh\necho tool ran\n");
            t.link("node_modules/.bin/tool", "../tool/bin/tool");
        });
        Path zip = dir.resolve("cache.zip");
        int written = Archives.tarToZip(new ByteArrayInputStream(tar), Files.newOutputStream(zip), ALL);

        assertThat(written).isEqualTo(2);
        try (ZipFile file = ZipFile.builder().setPath(zip).get()) {
            ZipArchiveEntry link = file.getEntry("node_modules/.bin/tool");
            assertThat(link.isUnixSymlink()).isTrue();
            assertThat(link.getUnixMode()).isEqualTo(0120777);
            assertThat(file.getUnixSymlink(link)).isEqualTo("../tool/bin/tool");
            ZipArchiveEntry tool = file.getEntry("node_modules/tool/bin/tool");
            assertThat(tool.getUnixMode()).isEqualTo(0100755);
            assertThat(tool.isUnixSymlink()).isFalse();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 5})
    void filesOfEverySizeKeepTheirOrderAndBytesWhateverTheNumberOfDeflatingThreads(int threads) throws IOException {
        java.util.Random random = new java.util.Random(threads);
        int small = ArchiveSinks.ZipSink.SMALL;
        int[] sizes = {0, 1, 100, 30_000, small - 1, small, small + 1, 3 * small, 200};
        Map<String, byte[]> files = new LinkedHashMap<>();
        List<String> order = new ArrayList<>();
        byte[] tar = projectTar(t -> {
            for (int i = 0; i < 400; i++) {
                if (i % 7 == 3) {
                    t.link("dir" + (i % 5) + "/link" + i, "../f" + (i - 1));
                    order.add("dir" + (i % 5) + "/link" + i);
                    continue;
                }
                // a large file now and then among many small ones, as in node_modules; half of them compressible
                byte[] content = new byte[i % 50 == 0 ? sizes[(i / 50) % sizes.length] : random.nextInt(40_000)];
                random.nextBytes(content);
                if (i % 2 == 0) {
                    Arrays.fill(content, 0, content.length / 2, (byte) 'a');
                }
                String name = "dir" + (i % 5) + "/f" + i;
                files.put(name, content);
                order.add(name);
                t.put(new TarArchiveEntry(PREFIX + "/" + name), content);
            }
        });
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        try (var sink = new ArchiveSinks.ZipSink(ArchiveSeal.sealing(zip), Deflater.DEFAULT_COMPRESSION, threads);
                TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
            for (TarArchiveEntry entry; (entry = in.getNextEntry()) != null; ) {
                String name = entry.getName().substring(PREFIX.length() + 1);
                if (entry.isSymbolicLink()) {
                    sink.link(name, entry.getLinkName(), entry.getModTime().getTime());
                } else if (!entry.isDirectory()) {
                    sink.file(name, 0644, entry.getSize(), entry.getModTime().getTime(), in);
                }
            }
        }

        // read by the JDK's stream reader (local headers, CRCs checked as it reads) in the tar's order
        List<String> read = new ArrayList<>();
        try (java.util.zip.ZipInputStream in = new java.util.zip.ZipInputStream(
                new ByteArrayInputStream(zip.toByteArray()))) {
            for (java.util.zip.ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                read.add(entry.getName());
                byte[] content = in.readAllBytes();
                if (files.containsKey(entry.getName())) {
                    assertThat(content).as(entry.getName()).isEqualTo(files.get(entry.getName()));
                }
            }
        }
        assertThat(read).isEqualTo(order);
        Path saved = Files.write(dir.resolve("parallel.zip"), zip.toByteArray());
        assertThat(ArchiveSeal.check(saved, Format.ZIP)).isEqualTo(ArchiveSeal.State.INTACT);
        Restored restored = restore(saved);
        assertThat(restored.files()).hasSize(files.size());
        assertThat(restored.links()).hasSize(order.size() - files.size());
    }

    @Test
    void linksInsideTheProjectRoundTripAsTarSymlinks() throws IOException {
        byte[] tar = projectTar(t -> {
            t.file("node_modules/tool/bin/tool", 0755, "#!/bin/sh\necho tool ran\n");
            t.link("node_modules/.bin/tool", "../tool/bin/tool");
            t.link("current", "releases/2");
            t.link("root", "sub/..");
        });
        Path zip = dir.resolve("cache.zip");
        Archives.tarToZip(new ByteArrayInputStream(tar), Files.newOutputStream(zip), ALL);

        Restored restored = restore(zip);
        assertThat(restored.summary.files()).isEqualTo(1);
        assertThat(restored.summary.links()).isEqualTo(3);
        assertThat(restored.summary.skipped()).isEmpty();
        assertThat(restored.links()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "project/node_modules/.bin/tool", "../tool/bin/tool",
                "project/current", "releases/2",
                "project/root", "sub/.."));
        assertThat(restored.files()).containsEntry("project/node_modules/tool/bin/tool", "#!/bin/sh\necho tool ran\n");
        assertThat(restored.entry("project/node_modules/tool/bin/tool").getMode()).isEqualTo(0755);
        restored.assertInside();
    }

    @Test
    void linksLeadingOutOfTheProjectAreKeptAsGitLabRunnerKeepsThem() throws IOException {
        // a venv's interpreter, links up and out: the Engine resolves them inside the container
        Path zip = zip(z -> {
            z.file("keep.txt", "kept\n");
            z.link(".venv/bin/python", "/usr/bin/python3");
            z.link("a/b/up", "../../../outside");
            z.link("a/b/ok", "../../keep.txt");
            z.link("dots", "./../x");
        });

        Restored restored = restore(zip);

        assertThat(restored.links()).containsExactly(Map.entry("project/.venv/bin/python", "/usr/bin/python3"),
                Map.entry("project/a/b/up", "../../../outside"), Map.entry("project/a/b/ok", "../../keep.txt"),
                Map.entry("project/dots", "./../x"));
        assertThat(restored.summary.skipped()).isEmpty();
        assertThat(restored.files()).containsOnlyKeys("project/keep.txt");
        restored.assertInside();
    }

    @Test
    void aLinkThroughAnotherLinkOfTheArchiveIsKeptToo() throws IOException {
        Path zip = zip(z -> {
            z.link("s/a", "..");
            z.link("b", "s/a/..");
            z.link("c", "s/a");
        });

        Restored restored = restore(zip);

        assertThat(restored.links()).containsOnlyKeys("project/s/a", "project/b", "project/c");
        assertThat(restored.summary.skipped()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/tmp", "sub", "."})
    void anEntryWrittenThroughALinkOfTheArchiveRefusesTheWholeArchive(String target) throws IOException {
        Path zip = zip(z -> {
            z.file("first.txt", "first\n");
            z.link("d", target);
            z.file("d/x", "through the link\n");
        });

        assertRefused(zip, "archive refused: entry 'd/x' is inside 'd', a symlink of this archive");
    }

    @Test
    void theLinkComingAfterTheEntriesItWouldReplaceIsRefusedToo() throws IOException {
        Path zip = zip(z -> {
            z.file("d/x", "first\n");
            z.link("d", "/tmp");
        });

        assertRefused(zip, "archive refused: entry 'd/x' is inside 'd', a symlink of this archive");
    }

    @Test
    void anEntryInsideAFileIsRefused() throws IOException {
        Path zip = zip(z -> {
            z.file("f", "a file\n");
            z.file("f/x", "inside a file\n");
        });

        assertRefused(zip, "archive refused: entry 'f/x' is inside 'f', which the archive stores as a file");
    }

    @Test
    void linkTargetsThatAreNoTargetsAreSkipped() throws IOException {
        Path zip = zip(z -> {
            z.link("empty", "");
            z.link("long", "a/".repeat(2100));
            z.link("nul", "a\0b");
            z.rawLink("latin1", new byte[] {'c', (byte) 0xe9});
        });

        Restored restored = restore(zip);

        assertThat(restored.links()).isEmpty();
        assertThat(restored.summary.skipped()).containsExactly(
                "skipped symlink empty -> : its target is empty",
                "skipped symlink long -> ?: its target is not UTF-8 or longer than 4095 bytes",
                "skipped symlink nul -> a\\0b: its target contains a NUL character",
                "skipped symlink latin1 -> ?: its target is not UTF-8 or longer than 4095 bytes");
    }

    // ------------------------------------------------------------------ hostile names

    @ParameterizedTest
    @ValueSource(strings = {"../x", "/abs", "/etc/passwd", "a/../../x", "a/..", "..", "..\\x", "a\\b", "",
        "a\0b", "a//b", "./../x", "a/./b", "ok/../../../etc/cron.d/x"})
    void aHostileNameRefusesTheWholeArchiveBeforeAnythingIsWritten(String name) throws IOException {
        Path zip = zip(z -> {
            z.file("good.txt", "good\n");
            z.file(name, "hostile\n");
            z.file("after.txt", "after\n");
        });

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThatThrownBy(() -> Archives.extract(zip, out, PREFIX))
                .isInstanceOf(InvalidArchiveException.class)
                .hasMessageStartingWith("archive refused: entry '" + Archives.shown(name) + "'");
        assertThat(out.size()).as("no tar byte written").isZero();
    }

    @Test
    void backslashesOfAWindowsZipAreSlashesAndRefusedAsSuch() throws IOException {
        // commons-compress reads the names of zips made on FAT platforms with slashes for backslashes
        Path zip = zip(z -> {
            z.unix = false;
            z.file("..\\evil.txt", "evil\n");
        });

        assertRefused(zip, "archive refused: entry '../evil.txt': its name would leave the directory");
    }

    @Test
    void aHostileDirectoryEntryIsRefusedToo() throws IOException {
        Path zip = zip(z -> z.dir("../up/"));

        assertRefused(zip, "archive refused: entry '../up/': its name would leave the directory it is extracted into");
    }

    @Test
    void duplicateEntriesAreRefused() throws IOException {
        assertRefused(zip(z -> {
            z.file("a.txt", "one\n");
            z.file("a.txt", "two\n");
        }), "archive refused: entry 'a.txt' appears twice");
        assertRefused(zip(z -> {
            z.dir("a/");
            z.link("a", "/etc");
        }), "archive refused: entry 'a' appears twice");
    }

    @Test
    void overlongNamesAreRefused() throws IOException {
        assertRefused(zip(z -> z.file("x".repeat(256), "x")), "has a path segment longer than 255 bytes");
        assertRefused(zip(z -> z.file("abcdefgh/".repeat(520) + "x", "x")), "is longer than 4095 bytes");
    }

    @Test
    void aLeadingDotSlashIsDroppedAndTheRootEntryIgnored() throws IOException {
        Path zip = zip(z -> {
            z.dir("./");
            z.file("./a/b.txt", "b\n");
        });

        Restored restored = restore(zip);

        assertThat(restored.names()).containsExactly("project/", "project/a/", "project/a/b.txt");
    }

    @Test
    void devicesAndFifosInAZipAreSkipped() throws IOException {
        Path zip = zip(z -> {
            z.entry("pipe", 0010644, new byte[0]);
            z.entry("tty", 0020644, new byte[0]);
            z.file("ok.txt", "ok\n");
        });

        Restored restored = restore(zip);

        assertThat(restored.names()).containsExactly("project/", "project/ok.txt");
        assertThat(restored.summary.skipped()).containsExactly(
                "skipped pipe: a FIFO, only regular files, directories and symlinks are extracted",
                "skipped tty: a character device, only regular files, directories and symlinks are extracted");
    }

    @Test
    void everyParentDirectoryIsWrittenSoTheWholeTreeGetsTheTarsOwner() throws IOException {
        Path zip = zip(z -> {
            z.file("vendor/lib/a/b.txt", "b\n");
            z.file("vendor/lib/c.txt", "c\n");
            z.link("bin/tool", "../vendor/lib/c.txt");
        });

        Restored restored = restore(zip);

        assertThat(restored.names()).containsExactly("project/", "project/vendor/", "project/vendor/lib/",
                "project/vendor/lib/a/", "project/vendor/lib/a/b.txt", "project/vendor/lib/c.txt", "project/bin/",
                "project/bin/tool");
        assertThat(restored.entry("project/vendor/lib/").getMode()).isEqualTo(0755);
    }

    @Test
    void modificationTimesSurvive() throws IOException {
        long time = 1_700_000_000_000L;
        byte[] tar = projectTar(t -> t.file("a.txt", 0644, "a\n", time));
        Path zip = dir.resolve("cache.zip");
        Archives.tarToZip(new ByteArrayInputStream(tar), Files.newOutputStream(zip), ALL);

        // zip times have a two-second resolution
        assertThat(restore(zip).entry("project/a.txt").getModTime().getTime()).isBetween(time - 2000, time);
    }

    @Test
    void theExtractionPrefixIsChecked() {
        assertThatThrownBy(() -> Archives.extract(dir.resolve("none.zip"), new ByteArrayOutputStream(), "../x"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // ------------------------------------------------------------------ what saving leaves out

    @Test
    void savingTakesOnlyRegularFilesDirectoriesAndSymlinks() throws IOException {
        byte[] tar = projectTar(t -> {
            t.file("a.txt", 0644, "a\n");
            t.special("null", TarArchiveEntry.LF_CHR);
            t.special("sda", TarArchiveEntry.LF_BLK);
            t.special("fifo", TarArchiveEntry.LF_FIFO);
            TarArchiveEntry hard = new TarArchiveEntry("project/hard", TarArchiveEntry.LF_LINK);
            hard.setLinkName("project/a.txt");
            t.put(hard, null);
            t.link("l", "a.txt");
        });
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        Summary summary = Archives.archive(new ByteArrayInputStream(tar), out, ALL, Format.ZIP,
                CompressionLevel.DEFAULT);

        assertThat(summary.files()).isEqualTo(1);
        assertThat(summary.links()).isEqualTo(1);
        assertThat(summary.skipped()).containsExactly(
                "skipped null: a character device, only regular files, directories and symlinks are archived",
                "skipped sda: a block device, only regular files, directories and symlinks are archived",
                "skipped fifo: a FIFO, only regular files, directories and symlinks are archived",
                "skipped hard: a hard link (to project/a.txt), only regular files, directories and symlinks are "
                        + "archived");
        assertThat(zipNames(out.toByteArray())).containsExactly("a.txt", "l");
    }

    @Test
    void savingLeavesOutNamesThatRestoringWouldRefuse() throws IOException {
        byte[] tar = projectTar(t -> {
            t.file("win\\path.txt", 0644, "x\n");
            t.file("fine.txt", 0644, "y\n");
        });
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        Summary summary = Archives.archive(new ByteArrayInputStream(tar), out, ALL, Format.ZIP,
                CompressionLevel.DEFAULT);

        assertThat(summary.skipped()).containsExactly("skipped win\\path.txt: its name contains a backslash");
        assertThat(zipNames(out.toByteArray())).containsExactly("fine.txt");
    }

    @Test
    void aTarEntryShorterThanItsDeclaredSizeFailsTheSave() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        TarArchiveEntry huge = new TarArchiveEntry("project/huge.bin");
        huge.setSize(1L << 40);
        tar.putArchiveEntry(huge);
        tar.write(new byte[4096]);
        tar.flush();
        // the stream ends there, a terabyte short

        assertThatThrownBy(() -> Archives.tarToZip(new ByteArrayInputStream(bytes.toByteArray()),
                new ByteArrayOutputStream(), ALL)).isInstanceOf(IOException.class);
    }

    // ------------------------------------------------------------------ damaged archives

    @Test
    void aZipTruncatedAtHalfIsRefusedAsTruncated() throws IOException {
        byte[] whole = Files.readAllBytes(zip(z -> {
            for (int i = 0; i < 20; i++) {
                z.file("f" + i + ".txt", "file " + i + " ".repeat(200));
            }
        }));
        Path half = dir.resolve("half.zip");
        Files.write(half, Arrays.copyOf(whole, whole.length / 2));

        assertRefused(half, "archive is truncated: the zip has no central directory at its end");
    }

    @ParameterizedTest
    @ValueSource(ints = {ZipArchiveEntry.STORED, ZipArchiveEntry.DEFLATED})
    void aZipWithOneFlippedByteInAnEntrysDataIsRefusedAsCorrupt(int method) throws IOException {
        String text = "the quick brown fox jumps over the lazy dog ".repeat(50);
        byte[] bytes = zipBytes(z -> {
            z.method = method;
            z.file("first.txt", "first\n");
            z.file("fox.txt", text);
        });
        // the second entry's data starts after its local header: flip a byte in its middle
        int header = indexOf(bytes, "fox.txt".getBytes(StandardCharsets.US_ASCII), 0);
        bytes[header + "fox.txt".length() + 40] ^= 0x01;
        Path zip = dir.resolve("flipped.zip");
        Files.write(zip, bytes);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThatThrownBy(() -> Archives.extract(zip, out, PREFIX))
                .isInstanceOf(InvalidArchiveException.class)
                .hasMessageStartingWith("archive is corrupt: ")
                .hasMessageContaining("fox.txt");
        assertThat(out.size()).isZero();
    }

    @Test
    void aZipDeclaringAHugeSizeIsRefusedAsCorrupt() throws IOException {
        byte[] bytes = zipBytes(z -> z.file("big.bin", "small"));
        // the central directory's uncompressed size (offset 24 of its header) claims 2 GiB
        int central = indexOf(bytes, new byte[] {'P', 'K', 1, 2}, 0);
        writeInt(bytes, central + 24, 0x7fffffff);
        Path zip = dir.resolve("huge.zip");
        Files.write(zip, bytes);

        assertRefused(zip, "archive is corrupt: entry 'big.bin' holds 5 of the 2147483647 bytes it declares");
    }

    @Test
    void aFileThatIsNoZipIsRefused() throws IOException {
        Path text = dir.resolve("cache.zip");
        Files.writeString(text, "<html>503 Service Unavailable</html>");

        assertRefused(text, "archive is corrupt: neither a zip nor a tar+zstd archive (it starts with 3c68746d)");
    }

    @Test
    void anEmptyFileIsRefused() throws IOException {
        Path empty = Files.createFile(dir.resolve("cache.zip"));

        assertRefused(empty, "archive is corrupt: the file is empty");
    }

    @Test
    void anEmptyZipIsAValidArchiveOfNothing() throws IOException {
        Path zip = dir.resolve("empty.zip");
        assertThat(Archives.tarToZip(new ByteArrayInputStream(projectTar(t -> { })), Files.newOutputStream(zip),
                ALL)).isZero();

        Restored restored = restore(zip);

        assertThat(restored.names()).containsExactly("project/");
        assertThat(Archives.zipToTar(zip, new ByteArrayOutputStream(), PREFIX)).isZero();
    }

    // ------------------------------------------------------------------ the seal of archives this runner saves

    @ParameterizedTest
    @EnumSource(Format.class)
    void anArchiveThisRunnerSavesEndsWithTheChecksumOfAllItsOtherBytes(Format format) throws IOException {
        byte[] archive = saved(format, 30);

        String end = new String(Arrays.copyOfRange(archive, archive.length - 29, archive.length),
                StandardCharsets.US_ASCII);
        assertThat(end).startsWith("clever-runner-crc32c:");
        assertThat(end.substring(21)).isEqualTo(crc32c(archive, archive.length - 8));
        if (format == Format.ZIP) {
            // the archive comment, as any zip reader sees it
            try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(write("sealed.zip", archive).toFile())) {
                assertThat(zip.getComment()).isEqualTo(end);
                assertThat(zip.size()).isEqualTo(30);
            }
        } else {
            // a zstd skippable frame (magic 0x184D2A5C, little-endian, then the payload's length) after the data
            assertThat(Arrays.copyOfRange(archive, archive.length - 37, archive.length - 29))
                    .containsExactly(0x5c, 0x2a, 0x4d, 0x18, 29, 0, 0, 0);
        }
        assertThat(restore(write("sealed", archive)).files()).hasSize(30);
    }

    @ParameterizedTest
    @EnumSource(Format.class)
    void aSealedArchiveWithOneFlippedByteIsRefusedBeforeAnythingIsWritten(Format format) throws IOException {
        byte[] archive = saved(format, 30);
        archive[archive.length / 2] ^= 0x04;

        assertRefused(write("flipped", archive), "archive is corrupt: its bytes no longer match the checksum");
    }

    @Test
    void dataUnderAForgedSealIsStillCheckedAsItStreams() throws IOException {
        byte[] archive = saved(Format.ZIP, 30);
        // damage the data of entry f20 (stored: its content is in clear), then seal the damage again
        int at = indexOf(archive, "content of file 20 ".getBytes(StandardCharsets.US_ASCII), 0);
        archive[at] ^= 0x01;
        byte[] digits = crc32c(archive, archive.length - 8).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(digits, 0, archive, archive.length - 8, 8);
        Path forged = write("forged.zip", archive);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThatThrownBy(() -> Archives.extract(forged, out, PREFIX))
                .isInstanceOf(InvalidArchiveException.class)
                .hasMessage("archive is corrupt: entry 'vendor/f20.txt' fails its CRC check");
        // one pass: the entries before the damaged one were already on their way
        assertThat(new String(out.toByteArray(), StandardCharsets.ISO_8859_1)).contains("content of file 19 ");
    }

    @Test
    void anArchiveWithoutSealIsStillCheckedWholeFirst() throws IOException {
        // a zip as another tool writes it (no seal), damaged in its last entry: refused, nothing written
        byte[] bytes = damagedUnsealedZip(10, 9);

        assertRefused(write("unsealed.zip", bytes), "archive is corrupt: entry 'f9.txt' fails its CRC check");
    }

    @Test
    void ofSeveralDamagedEntriesCheckedOnSeveralCoresTheFirstInTheArchiveIsNamed() throws IOException {
        // entries read by different threads (they take every other entry): the earlier one is the one reported
        byte[] bytes = damagedUnsealedZip(12, 8, 3, 6);

        for (int i = 0; i < 5; i++) {
            assertRefused(write("damaged.zip", bytes), "archive is corrupt: entry 'f3.txt' fails its CRC check");
        }
    }

    /** A stored zip of {@code files} files as another tool writes it (no seal), one byte flipped in each damaged. */
    private static byte[] damagedUnsealedZip(int files, int... damaged) throws IOException {
        byte[] bytes = zipBytes(z -> {
            z.method = ZipArchiveEntry.STORED;
            for (int i = 0; i < files; i++) {
                z.file("f" + i + ".txt", "content of file " + i + " ".repeat(100));
            }
        });
        for (int entry : damaged) {
            bytes[indexOf(bytes, ("content of file " + entry + " ").getBytes(StandardCharsets.US_ASCII), 0)] ^= 1;
        }
        return bytes;
    }

    /** A tree of {@code files} files archived by this runner, stored (not deflated) so that tests can find data. */
    private static byte[] saved(Format format, int files) throws IOException {
        byte[] tar = projectTar(t -> {
            for (int i = 0; i < files; i++) {
                t.file("vendor/f" + i + ".txt", 0644, "content of file " + i + " ".repeat(300));
            }
        });
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Archives.archive(new ByteArrayInputStream(tar), out, ALL, format, CompressionLevel.FASTEST);
        return out.toByteArray();
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    private static String crc32c(byte[] bytes, int length) {
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(bytes, 0, length);
        return String.format("%08x", crc.getValue());
    }

    // ------------------------------------------------------------------ compression levels

    @Test
    void compressionLevelsAreReadAsGitLabRunnerReadsThem() {
        assertThat(CompressionLevel.parse("fastest").value()).isEqualTo(CompressionLevel.FASTEST);
        assertThat(CompressionLevel.parse("fast").value()).isEqualTo(CompressionLevel.FAST);
        assertThat(CompressionLevel.parse("default").value()).isEqualTo(CompressionLevel.DEFAULT);
        assertThat(CompressionLevel.parse("slow").value()).isEqualTo(CompressionLevel.SLOW);
        assertThat(CompressionLevel.parse("slowest").value()).isEqualTo(CompressionLevel.SLOWEST);
        assertThat(CompressionLevel.parse("slowest").warning()).isEmpty();
        assertThat(CompressionLevel.parse(null)).isEqualTo(new Archives.Parsed<>(CompressionLevel.DEFAULT,
                Optional.empty()));
        assertThat(CompressionLevel.parse("")).isEqualTo(new Archives.Parsed<>(CompressionLevel.DEFAULT,
                Optional.empty()));
        assertThat(CompressionLevel.parse("FAST")).isEqualTo(new Archives.Parsed<>(CompressionLevel.DEFAULT,
                Optional.of("compression level \"FAST\" is invalid, falling back to default")));
        assertThat(CompressionLevel.parse("9").warning()).hasValue(
                "compression level \"9\" is invalid, falling back to default");
        // fastzip's deflate levels; fastest stores
        assertThat(Arrays.stream(CompressionLevel.values()).mapToInt(CompressionLevel::deflateLevel))
                .containsExactly(0, 1, 5, 7, 9);
    }

    @Test
    void slowerLevelsMakeSmallerZipsAndFastestStores() throws IOException {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 20_000; i++) {
            text.append("line ").append(i % 97).append(' ').append(Integer.toHexString(i * 31)).append('\n');
        }
        byte[] tar = projectTar(t -> t.file("log.txt", 0644, text.toString()));
        Map<CompressionLevel, Integer> sizes = new LinkedHashMap<>();
        for (CompressionLevel level : CompressionLevel.values()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Archives.tarToZip(new ByteArrayInputStream(tar), out, ALL, level);
            sizes.put(level, out.size());
        }

        assertThat(sizes.get(CompressionLevel.FASTEST)).isGreaterThan(text.length());
        assertThat(sizes.get(CompressionLevel.FAST)).isLessThan(sizes.get(CompressionLevel.FASTEST) / 2);
        assertThat(sizes.get(CompressionLevel.SLOWEST)).isLessThanOrEqualTo(sizes.get(CompressionLevel.DEFAULT));
        assertThat(sizes.get(CompressionLevel.DEFAULT)).isLessThanOrEqualTo(sizes.get(CompressionLevel.FAST));
    }

    // ------------------------------------------------------------------ tar+zstd

    @Test
    void formatsAreReadAsCacheCompressionFormat() {
        assertThat(Format.parse("tarzstd")).isEqualTo(new Archives.Parsed<>(Format.TAR_ZSTD, Optional.empty()));
        assertThat(Format.parse("zip").value()).isEqualTo(Format.ZIP);
        assertThat(Format.parse(null).value()).isEqualTo(Format.ZIP);
        assertThat(Format.parse("zipzstd")).isEqualTo(new Archives.Parsed<>(Format.ZIP,
                Optional.of("compression format \"zipzstd\" is not supported, falling back to zip")));
    }

    @ParameterizedTest
    @EnumSource(CompressionLevel.class)
    void tarZstdRoundTripsFilesAndLinksAndIsToldApartByItsMagic(CompressionLevel level) throws IOException {
        byte[] tar = projectTar(t -> {
            t.file("node_modules/tool/bin/tool", 0755, "#!/bin/sh\necho tool ran\n");
            t.link("node_modules/.bin/tool", "../tool/bin/tool");
            t.link("node_modules/.bin/evil", "/etc/passwd");
        });
        Path archive = dir.resolve("cache.tar.zst");
        Summary saved = Archives.archive(new ByteArrayInputStream(tar), Files.newOutputStream(archive), ALL,
                Format.TAR_ZSTD, level);

        assertThat(saved.entries()).isEqualTo(3);
        assertThat(Arrays.copyOf(Files.readAllBytes(archive), 4))
                .containsExactly(0x28, 0xb5, 0x2f, 0xfd);
        assertThat(Archives.detect(archive)).isEqualTo(Format.TAR_ZSTD);

        Restored restored = restore(archive);

        assertThat(restored.summary.format()).isEqualTo(Format.TAR_ZSTD);
        assertThat(restored.files()).containsOnlyKeys("project/node_modules/tool/bin/tool");
        assertThat(restored.entry("project/node_modules/tool/bin/tool").getMode()).isEqualTo(0755);
        assertThat(restored.links()).containsExactly(Map.entry("project/node_modules/.bin/tool", "../tool/bin/tool"),
                Map.entry("project/node_modules/.bin/evil", "/etc/passwd"));
        assertThat(restored.summary.skipped()).isEmpty();
        restored.assertInside();
        // the zip-named entry point restores it too
        assertThat(Archives.zipToTar(archive, new ByteArrayOutputStream(), PREFIX)).isEqualTo(3);
    }

    @Test
    void aTarZstdAsGitLabRunnerWritesItRestores() throws IOException {
        // GitLab's tarzstd archiver: names relative to the project, directories with a trailing slash
        Path archive = tarZstd(t -> {
            t.put(new TarArchiveEntry("vendor/"), null);
            t.file("vendor/dep.txt", 0644, "dep\n");
            t.link("vendor/current", "dep.txt");
        });

        Restored restored = restore(archive);

        assertThat(restored.names()).containsExactly("project/", "project/vendor/", "project/vendor/dep.txt",
                "project/vendor/current");
    }

    @Test
    void aTarZstdWithAHostileEntryIsRefused() throws IOException {
        assertRefused(tarZstd(t -> {
            t.file("ok.txt", 0644, "ok\n");
            t.file("../../etc/cron.d/x", 0644, "* * * * * root id\n");
        }), "archive refused: entry '../../etc/cron.d/x': its name would leave the directory it is extracted into");
        assertRefused(tarZstd(t -> {
            t.link("d", "/tmp");
            t.file("d/x", 0644, "x\n");
        }), "archive refused: entry 'd/x' is inside 'd', a symlink of this archive");
    }

    @Test
    void aTarZstdWithAHardLinkOrADeviceSkipsThem() throws IOException {
        Restored restored = restore(tarZstd(t -> {
            t.file("a.txt", 0644, "a\n");
            TarArchiveEntry hard = new TarArchiveEntry("b.txt", TarArchiveEntry.LF_LINK);
            hard.setLinkName("/etc/shadow");
            t.put(hard, null);
            t.special("null", TarArchiveEntry.LF_CHR);
        }));

        assertThat(restored.names()).containsExactly("project/", "project/a.txt");
        assertThat(restored.summary.skipped()).containsExactly(
                "skipped b.txt: a hard link (to /etc/shadow), only regular files, directories and symlinks are "
                        + "extracted",
                "skipped null: a character device, only regular files, directories and symlinks are extracted");
    }

    @Test
    void aTruncatedOrFlippedTarZstdIsRefused() throws IOException {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 5_000; i++) {
            text.append("entry ").append(i).append('\n');
        }
        byte[] whole = Files.readAllBytes(tarZstd(t -> t.file("a.txt", 0644, text.toString())));
        Path truncated = dir.resolve("truncated.tar.zst");
        Files.write(truncated, Arrays.copyOf(whole, whole.length / 2));
        byte[] flipped = whole.clone();
        flipped[flipped.length / 2] ^= 0x10;
        Path corrupt = dir.resolve("flipped.tar.zst");
        Files.write(corrupt, flipped);

        assertRefused(truncated, "archive is truncated: ");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThatThrownBy(() -> Archives.extract(corrupt, out, PREFIX))
                .isInstanceOf(InvalidArchiveException.class)
                .hasMessageMatching("archive is (corrupt|truncated): .*");
        assertThat(out.size()).isZero();
    }

    // ------------------------------------------------------------------ helpers

    /** A refused archive: the message, and not one tar byte written. */
    private static void assertRefused(Path archive, String message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThatThrownBy(() -> Archives.extract(archive, out, PREFIX))
                .isInstanceOf(InvalidArchiveException.class)
                .hasMessageContaining(message);
        assertThat(out.size()).as("no tar byte written").isZero();
    }

    private static Restored restore(Path archive) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Summary summary = Archives.extract(archive, out, PREFIX);
        List<TarArchiveEntry> entries = new ArrayList<>();
        Map<String, String> contents = new LinkedHashMap<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new ByteArrayInputStream(out.toByteArray()))) {
            for (TarArchiveEntry entry; (entry = tar.getNextEntry()) != null; ) {
                entries.add(entry);
                if (entry.isFile() && !entry.isSymbolicLink()) {
                    contents.put(entry.getName(), new String(tar.readAllBytes(), StandardCharsets.UTF_8));
                }
            }
        }
        return new Restored(summary, entries, contents);
    }

    private record Restored(Summary summary, List<TarArchiveEntry> entries, Map<String, String> contents) {
        List<String> names() {
            return entries.stream().map(TarArchiveEntry::getName).toList();
        }

        TarArchiveEntry entry(String name) {
            return entries.stream().filter(e -> e.getName().equals(name)).findFirst().orElseThrow();
        }

        Map<String, String> files() {
            return contents;
        }

        Map<String, String> links() {
            Map<String, String> links = new LinkedHashMap<>();
            entries.stream().filter(TarArchiveEntry::isSymbolicLink).forEach(e -> links.put(e.getName(),
                    e.getLinkName()));
            return links;
        }

        /** Every entry under the prefix, none of them inside a link the tar holds. */
        void assertInside() {
            Set<String> links = links().keySet();
            for (TarArchiveEntry entry : entries) {
                String name = entry.getName();
                assertThat(name).startsWith(PREFIX + "/");
                assertThat(Path.of(name).normalize().startsWith(PREFIX)).as(name).isTrue();
                assertThat(name.split("/")).doesNotContain("..", ".");
                for (Path parent = Path.of(name).getParent(); parent != null; parent = parent.getParent()) {
                    assertThat(links).as(name).doesNotContain(parent.toString());
                }
            }
        }
    }

    /** Builds the tar the Engine's archive download gives: every entry under the project directory's name. */
    private static byte[] projectTar(TarContent content) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes, StandardCharsets.UTF_8.name())) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.putArchiveEntry(new TarArchiveEntry(PREFIX + "/"));
            tar.closeArchiveEntry();
            content.add(new TarBuilder(tar, PREFIX + "/"));
        }
        return bytes.toByteArray();
    }

    private Path tarZstd(TarContent content) throws IOException {
        Path archive = Files.createTempFile(dir, "archive", ".tar.zst");
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new ZstdCompressorOutputStream(
                Files.newOutputStream(archive), 3, false, true), StandardCharsets.UTF_8.name())) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            content.add(new TarBuilder(tar, ""));
        }
        return archive;
    }

    @FunctionalInterface
    private interface TarContent {
        void add(TarBuilder tar) throws IOException;
    }

    private record TarBuilder(TarArchiveOutputStream tar, String root) {
        void dir(String name) throws IOException {
            put(new TarArchiveEntry(root + name), null);
        }

        void file(String name, int mode, String content) throws IOException {
            file(name, mode, content, System.currentTimeMillis());
        }

        void file(String name, int mode, String content, long modified) throws IOException {
            TarArchiveEntry entry = new TarArchiveEntry(root + name);
            entry.setMode(mode);
            entry.setModTime(modified);
            put(entry, content.getBytes(StandardCharsets.UTF_8));
        }

        void link(String name, String target) throws IOException {
            TarArchiveEntry entry = new TarArchiveEntry(root + name, TarArchiveEntry.LF_SYMLINK);
            entry.setLinkName(target);
            put(entry, null);
        }

        void special(String name, byte type) throws IOException {
            put(new TarArchiveEntry(root + name, type), null);
        }

        void put(TarArchiveEntry entry, byte[] content) throws IOException {
            if (content != null) {
                entry.setSize(content.length);
            }
            tar.putArchiveEntry(entry);
            if (content != null) {
                tar.write(content);
            }
            tar.closeArchiveEntry();
        }
    }

    private Path zip(ZipContent content) throws IOException {
        Path zip = Files.createTempFile(dir, "archive", ".zip");
        Files.write(zip, zipBytes(content));
        return zip;
    }

    /**
     * A zip written entry by entry with commons-compress, which takes any name, duplicates included. Backslashes,
     * which it would turn into slashes, are written as DEL and patched into the name fields afterwards.
     */
    private static byte[] zipBytes(ZipContent content) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ZipBuilder builder;
        try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(bytes)) {
            builder = new ZipBuilder(zip);
            content.add(builder);
        }
        byte[] zip = bytes.toByteArray();
        for (String name : builder.backslashed) {
            byte[] placeholder = name.replace('\\', '\u007f').getBytes(StandardCharsets.UTF_8);
            byte[] real = name.getBytes(StandardCharsets.UTF_8);
            for (int at = indexOf(zip, placeholder, 0, false); at >= 0; at = indexOf(zip, placeholder, at + 1, false)) {
                System.arraycopy(real, 0, zip, at, real.length);
            }
        }
        return zip;
    }

    @FunctionalInterface
    private interface ZipContent {
        void add(ZipBuilder zip) throws IOException;
    }

    private static final class ZipBuilder {
        final ZipArchiveOutputStream zip;
        final List<String> backslashed = new ArrayList<>();
        int method = ZipArchiveEntry.DEFLATED;
        boolean unix = true;

        ZipBuilder(ZipArchiveOutputStream zip) {
            this.zip = zip;
        }

        void file(String name, String content) throws IOException {
            entry(name, UnixStat.FILE_FLAG | 0644, content.getBytes(StandardCharsets.UTF_8));
        }

        void dir(String name) throws IOException {
            entry(name, UnixStat.DIR_FLAG | 0755, new byte[0]);
        }

        void link(String name, String target) throws IOException {
            rawLink(name, target.getBytes(StandardCharsets.UTF_8));
        }

        void rawLink(String name, byte[] target) throws IOException {
            entry(name, UnixStat.LINK_FLAG | 0777, target);
        }

        void entry(String name, int unixMode, byte[] content) throws IOException {
            if (name.indexOf('\\') >= 0) {
                backslashed.add(name);
            }
            ZipArchiveEntry entry = new ZipArchiveEntry(name.replace('\\', '\u007f'));
            if (unix) {
                entry.setUnixMode(unixMode);
            }
            entry.setMethod(method);
            if (method == ZipArchiveEntry.STORED) {
                java.util.zip.CRC32 crc = new java.util.zip.CRC32();
                crc.update(content);
                entry.setSize(content.length);
                entry.setCrc(crc.getValue());
            }
            zip.putArchiveEntry(entry);
            zip.write(content);
            zip.closeArchiveEntry();
        }
    }

    private static List<String> zipNames(byte[] zip) throws IOException {
        List<String> names = new ArrayList<>();
        try (ZipFile file = ZipFile.builder().setByteArray(zip).get()) {
            file.getEntriesInPhysicalOrder().asIterator().forEachRemaining(e -> names.add(e.getName()));
        }
        return names;
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        return indexOf(haystack, needle, from, true);
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from, boolean required) {
        outer:
        for (int i = from; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        if (required) {
            throw new AssertionError("not found");
        }
        return -1;
    }

    private static void writeInt(byte[] bytes, int at, int value) {
        for (int i = 0; i < 4; i++) {
            bytes[at + i] = (byte) (value >>> (8 * i));
        }
    }
}
