package org.cleverrunner.docker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.cleverrunner.spi.JobControl;
import org.cleverrunner.spi.JobPlan;
import org.cleverrunner.spi.Secret;
import org.cleverrunner.spi.Trace;
import org.cleverrunner.testkit.GitHttpServer;
import org.cleverrunner.testkit.TwoCommitProject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The on-host provider hands each job a snapshot of its own checkout in the spool: another job checking out another
 * commit in the same working copy right after does not change it, and closing it leaves nothing behind.
 */
class SourceProviderTest {

    private static final String TOKEN = "glcbt-64_source-provider-token-77";

    @TempDir
    static Path repos;
    private static GitHttpServer server;
    private static TwoCommitProject project;

    @TempDir
    Path workRoot;

    @BeforeAll
    static void serve() throws IOException {
        project = TwoCommitProject.create(repos, "group/twins");
        server = GitHttpServer.git(repos, TOKEN);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static JobPlan plan(TwoCommitProject.Commit commit, JobPlan.Variable... variables) {
        String url = server.url("group/twins").replace("://", "://gitlab-ci-token:" + TOKEN + "@");
        return new JobPlan("sp1", 1, "test", "group/twins", JobPlan.ImageSpec.of("busybox"), null,
                List.of(variables),
                new JobPlan.SourceSpec("git", Secret.of(url), commit.sha(), commit.branch(), "branch", List.of(), 1),
                List.of("true"), null, Duration.ofMinutes(2), null,
                List.of(new JobPlan.CacheRule("k", List.of(), true, null, null, null)), null, null, null);
    }

    /** MARKER's content and the number of files outside .git, read from the tar. */
    private static String content(Path tar) throws IOException {
        String marker = null;
        int files = 0;
        try (InputStream in = Files.newInputStream(tar); TarArchiveInputStream entries = new TarArchiveInputStream(in)) {
            TarArchiveEntry entry;
            while ((entry = entries.getNextEntry()) != null) {
                if (!entry.isFile() || entry.getName().startsWith("twins/.git/")) {
                    continue;
                }
                files++;
                if (entry.getName().equals("twins/MARKER")) {
                    marker = new String(entries.readAllBytes(), StandardCharsets.UTF_8).strip();
                }
            }
        }
        return marker + " " + files;
    }

    private static List<Path> spoolFiles(Path workRoot) throws IOException {
        Path spool = workRoot.resolve("spool");
        if (!Files.exists(spool)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(spool)) {
            return files.filter(Files::isRegularFile).toList();
        }
    }

    private static final class Discarding implements Trace {
        @Override
        public void write(byte[] bytes, int from, int length) {
        }

        @Override
        public void sectionStart(String name, String header) {
        }

        @Override
        public void sectionEnd(String name) {
        }
    }

    @Test
    void eachJobGetsASnapshotOfItsOwnCommitThatOutlivesTheNextCheckoutAndIsDeletedOnClose() throws Exception {
        SourceProvider provider = SourceProvider.onHost(workRoot);
        Trace trace = new Discarding();
        SourceProvider.Fetched main = provider.fetch(plan(project.main()), trace, new JobControl());
        SourceProvider.Fetched two = provider.fetch(plan(project.two()), trace, new JobControl());

        assertThat(main.snapshotTar()).startsWith(workRoot.toAbsolutePath().normalize().resolve("spool"));
        assertThat(content(main.snapshotTar())).isEqualTo("one 500");
        assertThat(content(two.snapshotTar())).isEqualTo("two 1500");
        assertThat(main.trackedFiles()).hasSize(500).contains("MARKER", "data/f0.txt");
        assertThat(two.trackedFiles()).hasSize(1500);
        assertThat(spoolFiles(workRoot)).hasSize(2);

        main.close();
        two.close();
        assertThat(spoolFiles(workRoot)).isEmpty();
    }

    @Test
    void strategyNoneCreatesNothing() throws Exception {
        SourceProvider provider = SourceProvider.onHost(workRoot);
        try (SourceProvider.Fetched none = provider.fetch(plan(project.main(),
                JobPlan.Variable.of("GIT_STRATEGY", "none")), new Discarding(),
                new JobControl())) {
            assertThat(none.snapshotTar()).isNull();
        }
        try (Stream<Path> entries = Files.list(workRoot)) {
            assertThat(entries).isEmpty();
        }
    }
}
