package org.cleverrunner.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.cleverrunner.spi.CacheStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the engine and the executors expect of every {@link CacheStore}. Extend it in a JUnit 5 test and implement
 * {@link #cacheStore()}; a store backed by files should also give its {@link #storageDirectory()} so that the kit
 * can check that no key reaches outside it. Each test gets a fresh store (it may share storage with earlier ones:
 * the kit uses keys of its own per test), closed afterwards. Tests are public so that a subclass can override one
 * to disable it, saying why.
 */
public abstract class CacheStoreContract {

    /** GitLab's key for branch {@code main} of {@code group/project} on an unprotected ref, as Rails suffixes it. */
    public static final String GITLAB_STYLE_KEY = "group/project/main-non_protected";

    private CacheStore store;
    /** Keeps keys apart when a subclass shares storage (a bucket) between tests or runs. */
    private final String run = UUID.randomUUID().toString().substring(0, 8);

    /** A new store for one test; the kit closes it. */
    protected abstract CacheStore cacheStore();

    /** Where a file-based store keeps its files, for the escape checks; empty for other stores. */
    protected Optional<Path> storageDirectory() {
        return Optional.empty();
    }

    @BeforeEach
    public final void openStore() {
        store = cacheStore();
        assertThat(store).as("cacheStore()").isNotNull();
    }

    @AfterEach
    public final void closeStore() {
        store.close();
    }

    /** A key unique to this test run, so that stores sharing storage don't see each other's archives. */
    protected final String key(String name) {
        return "contract-" + run + "/" + name;
    }

    @Test
    public void openOfAMissingKeyIsEmpty() throws IOException {
        Optional<InputStream> archive = store.open(key("missing"));

        assertThat(archive).isEmpty();
    }

    @Test
    public void saveThenOpenGivesTheSameBytes() throws IOException {
        byte[] bytes = "a small cache archive".getBytes(StandardCharsets.UTF_8);

        store.save(key("small"), new ByteArrayInputStream(bytes), bytes.length);

        assertThat(read(key("small"))).isEqualTo(bytes);
    }

    @Test
    public void saveOfALargeStreamOfUnknownLength() throws IOException {
        // 5 MiB: past the part size of multipart uploads and any in-memory buffer a store might be tempted to use
        byte[] bytes = randomBytes(5 * 1024 * 1024, 5);

        store.save(key("large"), new ByteArrayInputStream(bytes), -1);

        byte[] read = read(key("large"));
        assertThat(read.length).isEqualTo(bytes.length);
        assertThat(read).isEqualTo(bytes);
    }

    @Test
    public void saveReplacesThePreviousArchive() throws IOException {
        byte[] first = randomBytes(64 * 1024, 1);
        byte[] second = "shorter".getBytes(StandardCharsets.UTF_8);

        store.save(key("replaced"), new ByteArrayInputStream(first), first.length);
        store.save(key("replaced"), new ByteArrayInputStream(second), second.length);

        assertThat(read(key("replaced"))).isEqualTo(second);
    }

    @Test
    public void keysWithSlashesDashesAndUnderscores() throws IOException {
        byte[] unprotected = bytes("non protected");
        byte[] isProtected = bytes("protected");

        store.save(key(GITLAB_STYLE_KEY), new ByteArrayInputStream(unprotected), unprotected.length);
        store.save(key("group/project/main-protected"), new ByteArrayInputStream(isProtected), isProtected.length);

        assertThat(read(key(GITLAB_STYLE_KEY))).isEqualTo(unprotected);
        assertThat(read(key("group/project/main-protected"))).isEqualTo(isProtected);
        assertThat(store.open(key("group/project/main"))).isEmpty();
    }

    @Test
    public void concurrentSavesOfDifferentKeys() throws Exception {
        int count = 8;
        ExecutorService pool = Executors.newFixedThreadPool(count);
        try {
            List<Future<?>> saves = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int n = i;
                saves.add(pool.submit((Callable<Void>) () -> {
                    byte[] bytes = randomBytes(256 * 1024, n);
                    store.save(key("concurrent-" + n), new ByteArrayInputStream(bytes), n % 2 == 0 ? bytes.length : -1);
                    return null;
                }));
            }
            for (Future<?> save : saves) {
                save.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        for (int i = 0; i < count; i++) {
            assertThat(read(key("concurrent-" + i))).as("concurrent-" + i).isEqualTo(randomBytes(256 * 1024, i));
        }
    }

    @Test
    public void concurrentSavesOfOneKeyLeaveOneWholeArchive() throws Exception {
        // two jobs of one project saving the same cache at once, while a third restores it: each read gives one
        // whole archive (the old or one of the new), and the last archive is one of the two, whole
        int size = 1024 * 1024;
        byte[] first = randomBytes(size, 11);
        byte[] second = randomBytes(size, 12);
        store.save(key("raced"), new ByteArrayInputStream(first), size);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<?>> tasks = new ArrayList<>();
            for (int round = 0; round < 4; round++) {
                tasks.add(pool.submit((Callable<Void>) () -> {
                    store.save(key("raced"), new ByteArrayInputStream(first), size);
                    return null;
                }));
                tasks.add(pool.submit((Callable<Void>) () -> {
                    store.save(key("raced"), new ByteArrayInputStream(second), -1);
                    return null;
                }));
                tasks.add(pool.submit((Callable<Void>) () -> {
                    byte[] read = read(key("raced"));
                    assertThat(read.length).as("a whole archive").isEqualTo(size);
                    assertThat(java.util.Arrays.equals(read, first) || java.util.Arrays.equals(read, second))
                            .as("the bytes of one save").isTrue();
                    return null;
                }));
            }
            for (Future<?> task : tasks) {
                task.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        byte[] last = read(key("raced"));
        assertThat(java.util.Arrays.equals(last, first) || java.util.Arrays.equals(last, second))
                .as("one whole archive").isTrue();
    }

    @Test
    public void keysThatLookLikePathsNeverEscape() throws IOException {
        Optional<Path> root = storageDirectory().map(path -> path.toAbsolutePath().normalize());
        String token = "escape-" + run;
        List<String> keys = new ArrayList<>(List.of("../" + token, "a/../../" + token, "..", "./../" + token));
        keys.add(root.map(r -> r.resolveSibling(token + "-absolute").toString()).orElse("/tmp/" + token + "-absolute"));
        byte[] bytes = bytes("must stay inside");

        for (String key : keys) {
            boolean saved = refusesOrSaves(key, bytes);
            if (saved) {
                // accepted: it is a key like any other, readable back under the same name
                assertThat(read(key)).as("archive saved under '%s'", key).isEqualTo(bytes);
            }
            root.ifPresent(r -> assertNothingOutside(r, key));
        }
    }

    @Test
    public void openOfAKeyThatLooksLikeAPathNeverReadsOutside() throws IOException {
        Optional<Path> root = storageDirectory().map(path -> path.toAbsolutePath().normalize());
        if (root.isEmpty()) {
            return; // nothing to plant outside a store that has no directory
        }
        Path planted = root.get().resolveSibling("planted-" + run);
        Files.writeString(planted, "outside");
        try {
            for (String key : List.of("../planted-" + run, planted.toString())) {
                Optional<InputStream> archive;
                try {
                    archive = store.open(key);
                } catch (IOException | RuntimeException refused) {
                    continue;
                }
                if (archive.isPresent()) {
                    try (InputStream in = archive.get()) {
                        assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).as("open('%s')", key)
                                .isNotEqualTo("outside");
                    }
                }
            }
        } finally {
            Files.deleteIfExists(planted);
        }
    }

    /** True when the store took the archive, false when it refused the key with an exception. */
    private boolean refusesOrSaves(String key, byte[] bytes) {
        try {
            store.save(key, new ByteArrayInputStream(bytes), bytes.length);
            return true;
        } catch (IOException | RuntimeException refused) {
            return false;
        }
    }

    private static void assertNothingOutside(Path root, String key) {
        Path target = root.resolve(key).normalize();
        if (target.startsWith(root) || root.startsWith(target) || target.getParent() == null
                || !Files.isDirectory(target.getParent())) {
            return; // inside, or an ancestor directory that exists anyway (a file cannot be written over it)
        }
        // a store may add a suffix (.zip, .tar): look for anything named after the target
        String name = target.getFileName() == null ? "" : target.getFileName().toString();
        try (var siblings = Files.list(target.getParent())) {
            assertThat(siblings.map(path -> path.getFileName().toString())
                    .filter(file -> !name.isEmpty() && file.startsWith(name)))
                    .as("files written outside %s for key '%s'", root, key).isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private byte[] read(String key) throws IOException {
        Optional<InputStream> archive = store.open(key);
        assertThat(archive).as("archive under '%s'", key).isPresent();
        try (InputStream in = archive.get()) {
            return in.readAllBytes();
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
