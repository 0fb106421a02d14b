package org.cleverrunner.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.cleverrunner.spi.RunnerSpiException;
import org.cleverrunner.testkit.FakeCoordinator;
import org.cleverrunner.testkit.JobHandle;
import org.cleverrunner.testkit.JobView;
import org.cleverrunner.testkit.Jobs;
import org.cleverrunner.testkit.RunnerHandle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Job caches through the engine: the runner's configured store, every key scoped as gitlab-runner names cache
 * objects ({@code runner/<short token>/project/<id>/<key>}), so that projects and runners never share one by chance.
 */
class CacheScopeTest {

    static final String TOKEN = "glrt-t2_CacheScope0001xyz";

    @TempDir
    Path dir;
    FakeCoordinator gitlab;
    RunnerHandle runner;
    Engine engine;
    SimulatedBackends backends = new SimulatedBackends();

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.shutdown();
        }
        if (gitlab != null) {
            gitlab.close();
        }
    }

    @Test
    void theShortTokenIsGitLabRunnersOf18Point2() {
        assertThat(RunnerSettings.of("r", "https://g.example", "glrt-t2_CacheScope0001xyz").shortToken())
                .isEqualTo("CacheScop");
        assertThat(RunnerSettings.of("r", "https://g.example", "glrt-abcdefghijkl").shortToken())
                .isEqualTo("abcdefghi");
        assertThat(RunnerSettings.of("r", "https://g.example", "t1_0123456789").shortToken()).isEqualTo("012345678");
        assertThat(RunnerSettings.of("r", "https://g.example", "glrtr-Zyxwvutsrq").shortToken())
                .isEqualTo("Zyxwvutsr");
        assertThat(RunnerSettings.of("r", "https://g.example", "GR1348941abcdefghijk").shortToken())
                .isEqualTo("abcdefghi");
        assertThat(RunnerSettings.of("r", "https://g.example", "short").shortToken()).isEqualTo("short");
    }

    @Test
    void keysAreScopedByRunnerAndProjectAndDotDotIsRefused() throws Exception {
        DirectoryCacheStore store = new DirectoryCacheStore(dir.resolve("store"));
        ScopedCacheStore scoped = new ScopedCacheStore(store, ScopedCacheStore.prefix("abcdefghi", 42, false));

        scoped.save("build/main-non_protected", new ByteArrayInputStream(new byte[] {1}), 1);

        assertThat(store.file("runner/abcdefghi/project/42/build/main-non_protected")).isRegularFile();
        assertThat(ScopedCacheStore.prefix("abcdefghi", 42, true)).isEqualTo("project/42/");
        for (String key : List.of("../../43/k", "a/../../../43/k", "..", " ")) {
            assertThatThrownBy(() -> scoped.save(key, new ByteArrayInputStream(new byte[] {2}), 1)).as(key)
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> scoped.open(key)).as(key).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aCacheIsRestoredByTheSameProjectOnlyAndLivesInTheConfiguredDirectory() {
        Path caches = dir.resolve("caches");
        engine = engine(CacheSettings.local(caches, false));

        JobView saved = run(11, "save deps-non_protected from-project-11");
        JobView restored = run(11, "restore deps-non_protected");
        JobView other = run(12, "restore deps-non_protected");

        assertThat(saved.traceText()).contains("saved deps-non_protected");
        assertThat(restored.traceText()).contains("restored deps-non_protected: from-project-11");
        assertThat(other.traceText()).contains("no cache deps-non_protected");
        assertThat(caches.resolve("runner/CacheScop/project/11/deps-non_protected/cache.zip")).isRegularFile();
    }

    @Test
    void sharedCachesHaveNoRunnerPart() {
        Path caches = dir.resolve("caches");
        engine = engine(CacheSettings.local(caches, true));

        run(11, "save deps shared");

        assertThat(caches.resolve("project/11/deps/cache.zip")).isRegularFile();
        assertThat(caches.resolve("runner")).doesNotExist();
    }

    @Test
    void withoutAStoreCachesAreDropped() {
        engine = engine(CacheSettings.none());

        run(11, "save deps dropped");
        JobView restored = run(11, "restore deps");

        assertThat(restored.traceText()).contains("no cache deps");
    }

    @Test
    void aStoreThatCannotStartStopsTheEngineFromStarting() throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-directory"), "x");
        assertThatThrownBy(() -> engine(CacheSettings.local(file.resolve("caches"), false)))
                .isInstanceOf(RunnerSpiException.class).hasMessageContaining("cannot create the cache directory");
        assertThatThrownBy(() -> engine(new CacheSettings("nosuchstore", false, null)))
                .isInstanceOf(RunnerSpiException.class).hasMessageContaining("nosuchstore").hasMessageContaining("local");
    }

    private Engine engine(CacheSettings cache) {
        if (gitlab == null) {
            gitlab = FakeCoordinator.builder().longPollTimeout(Duration.ofSeconds(2)).firstJobId(7_700)
                    .traceUpdateInterval(Duration.ofMillis(200)).start();
            runner = gitlab.addRunner(TOKEN, Set.of(), true);
        }
        RunnerSettings settings = RunnerSettings.of("cache", gitlab.url(), runner.token()).withCache(cache);
        Engine built = Engine.builder()
                .settings(new EngineSettings(1, Duration.ofMillis(200), Duration.ofSeconds(10),
                        dir.resolve("journal.json"), List.of(settings)))
                .executor(backends.executor).provisioner(backends.provisioner)
                .traceInterval(Duration.ofMillis(200)).version("test").build();
        try {
            return built.start();
        } catch (RuntimeException e) {
            built.shutdown();
            throw e;
        }
    }

    private JobView run(long projectId, String line) {
        JobHandle job = gitlab.enqueue(Jobs.job("cached").project(projectId, "group/p" + projectId).script(line));
        return gitlab.awaitJob(job.id(), Duration.ofSeconds(20));
    }
}
