package org.cleverrunner.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
    void aKeyIsOneFlatFileInTheRoot() throws IOException {
        DirectoryCacheStore store = new DirectoryCacheStore(root());

        store.save(GITLAB_STYLE_KEY, new ByteArrayInputStream(new byte[] {1, 2, 3}), 3);

        assertThat(store.file(GITLAB_STYLE_KEY)).isEqualTo(root().resolve("group%2Fproject%2Fmain-non_protected.cache"));
        assertThat(Files.readAllBytes(store.file(GITLAB_STYLE_KEY))).containsExactly(1, 2, 3);
        try (var files = Files.list(root())) {
            assertThat(files).hasSize(1); // no temporary file left behind
        }
    }

    @Test
    void aShortStreamIsRefusedAndKeepsThePreviousArchive() throws IOException {
        DirectoryCacheStore store = new DirectoryCacheStore(root());
        store.save("k", new ByteArrayInputStream(new byte[] {7}), 1);

        assertThatThrownBy(() -> store.save("k", new ByteArrayInputStream(new byte[] {1, 2}), 10))
                .isInstanceOf(IOException.class).hasMessageContaining("2 bytes, expected 10");

        assertThat(Files.readAllBytes(store.file("k"))).containsExactly(7);
        try (var files = Files.list(root())) {
            assertThat(files).hasSize(1);
        }
    }

    @Test
    void dotsAndSeparatorsAreEncodedNotFollowed() {
        assertThat(DirectoryCacheStore.fileName("../x")).isEqualTo("..%2Fx.cache");
        assertThat(DirectoryCacheStore.fileName("/etc/passwd")).isEqualTo("%2Fetc%2Fpasswd.cache");
        assertThat(DirectoryCacheStore.fileName("..")).isEqualTo("...cache");
        assertThat(DirectoryCacheStore.fileName("a\\b é")).isEqualTo("a%5Cb%20%C3%A9.cache");
    }

    @Test
    void blankAndOverlongKeysAreRefused() {
        assertThatThrownBy(() -> DirectoryCacheStore.fileName(" ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DirectoryCacheStore.fileName("k".repeat(300)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too long");
    }
}
