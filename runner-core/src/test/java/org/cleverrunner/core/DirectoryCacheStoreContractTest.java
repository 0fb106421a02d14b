package org.cleverrunner.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.cleverrunner.spi.CacheStore;
import org.cleverrunner.testkit.contract.CacheStoreContract;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryCacheStoreContractTest extends CacheStoreContract {

    @TempDir
    Path temp;

    private Path root() {
        return temp.resolve("store");
    }

    @Override
    protected CacheStore cacheStore() {
        return new DirectoryCacheStore(root());
    }

    @Override
    protected Optional<Path> storageDirectory() {
        return Optional.of(root());
    }

    @Test
    void aKeyIsADirectoryPerSegmentWithTheArchiveInTheLast() throws IOException {
        DirectoryCacheStore store = new DirectoryCacheStore(root());

        store.save(GITLAB_STYLE_KEY, new ByteArrayInputStream(new byte[] {1, 2, 3}), 3);

        Path file = root().resolve("group/project/main-non_protected/cache.zip");
        assertThat(store.file(GITLAB_STYLE_KEY)).isEqualTo(file);
        assertThat(Files.readAllBytes(file)).containsExactly(1, 2, 3);
        try (var files = Files.walk(root())) {
            assertThat(files.filter(Files::isRegularFile)).containsExactly(file); // no temporary file left behind
        }
    }

    @Test
    void theRootAndTheDirectoriesItCreatesAreTheOwnersOnly() throws IOException {
        DirectoryCacheStore store = new DirectoryCacheStore(root());

        store.save("runner/abc/project/7/k", new ByteArrayInputStream(new byte[] {1}), 1);

        for (Path directory : List.of(root(), root().resolve("runner"), root().resolve("runner/abc/project/7/k"))) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(directory))).as("%s", directory)
                    .isEqualTo("rwx------");
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(store.file("runner/abc/project/7/k"))))
                .isEqualTo("rw-------");
    }

    @Test
    void aShortStreamIsRefusedAndKeepsThePreviousArchive() throws IOException {
        DirectoryCacheStore store = new DirectoryCacheStore(root());
        store.save("k", new ByteArrayInputStream(new byte[] {7}), 1);

        assertThatThrownBy(() -> store.save("k", new ByteArrayInputStream(new byte[] {1, 2}), 10))
                .isInstanceOf(IOException.class).hasMessageContaining("2 bytes, expected 10");

        assertThat(Files.readAllBytes(store.file("k"))).containsExactly(7);
        try (var files = Files.walk(root())) {
            assertThat(files.filter(Files::isRegularFile)).containsExactly(store.file("k"));
        }
    }

    @Test
    void dotsAndSeparatorsAreEncodedNotFollowed() {
        DirectoryCacheStore store = new DirectoryCacheStore(root());

        assertThat(store.file("../x")).isEqualTo(root().resolve("%2E./x/cache.zip"));
        assertThat(store.file("a/../../b")).isEqualTo(root().resolve("a/%2E./%2E./b/cache.zip"));
        assertThat(store.file("/etc/passwd")).isEqualTo(root().resolve("%/etc/passwd/cache.zip"));
        assertThat(store.file(".")).isEqualTo(root().resolve("%2E/cache.zip"));
        assertThat(store.file("a//b/")).isEqualTo(root().resolve("a/%/b/%/cache.zip"));
        assertThat(store.file("a\\b é/v1.2")).isEqualTo(root().resolve("a%5Cb%20%C3%A9/v1.2/cache.zip"));
        assertThat(store.file("%2E")).isEqualTo(root().resolve("%252E/cache.zip"));
    }

    @Test
    void noKeysDirectoryIsAnotherKeysArchiveOrTemporaryFile() throws IOException {
        DirectoryCacheStore store = new DirectoryCacheStore(root());
        byte[] outer = {1};
        byte[] inner = {2};

        store.save("a", new ByteArrayInputStream(outer), 1);
        store.save("a/cache.zip", new ByteArrayInputStream(inner), 1);
        store.save("a/.cache.zip.1.part", new ByteArrayInputStream(inner), 1);

        assertThat(store.file("a/cache.zip")).isEqualTo(root().resolve("a/cache%2Ezip/cache.zip"));
        assertThat(store.file("a/.cache.zip.1.part")).isEqualTo(root().resolve("a/%2Ecache.zip.1.part/cache.zip"));
        try (var in = store.open("a").orElseThrow()) {
            assertThat(in.readAllBytes()).containsExactly(outer);
        }
        try (var in = store.open("a/cache.zip").orElseThrow()) {
            assertThat(in.readAllBytes()).containsExactly(inner);
        }
    }

    @Test
    void blankAndOverlongKeysAreRefused() {
        DirectoryCacheStore store = new DirectoryCacheStore(root());

        assertThatThrownBy(() -> store.file(" ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.file("a/" + "k".repeat(300))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("too long");
        assertThat(store.file("k".repeat(200) + "/" + "k".repeat(200))).isNotNull(); // the cap is per segment
    }

    @Test
    void aReaderKeepsTheArchiveItOpenedWhileAnotherIsSaved() throws IOException {
        DirectoryCacheStore store = new DirectoryCacheStore(root());
        byte[] first = new byte[64 * 1024];
        java.util.Arrays.fill(first, (byte) 1);
        byte[] second = new byte[32 * 1024];
        java.util.Arrays.fill(second, (byte) 2);
        store.save("k", new ByteArrayInputStream(first), first.length);

        try (var reading = store.open("k").orElseThrow()) {
            byte[] start = reading.readNBytes(1000);
            store.save("k", new ByteArrayInputStream(second), second.length);
            byte[] rest = reading.readAllBytes();

            assertThat(start.length + rest.length).isEqualTo(first.length);
            assertThat(rest).containsOnly((byte) 1);
        }
        try (var in = store.open("k").orElseThrow()) {
            assertThat(in.readAllBytes()).isEqualTo(second);
        }
    }
}
