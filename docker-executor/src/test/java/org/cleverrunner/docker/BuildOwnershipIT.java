package org.cleverrunner.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.cleverrunner.spi.JobOutcome;
import org.cleverrunner.spi.JobPlan;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The build tree belongs to the user the job's image runs as, as GitLab Runner gives it (chown to the image's user,
 * not a world-writable tree): a non-root image can write its project, caches and file variables are its own, and
 * nothing in /builds is writable by everyone.
 */
class BuildOwnershipIT {

    /** busybox with a passwd/group of its own and USER builder, as many language images are built. */
    static final String NAMED_USER_IMAGE = "clever-runner/busybox-builder:" + DockerExecutorIT.RUNNER;

    static final String PROBE = "id -u; id -g; cd \"$CI_PROJECT_DIR\"; "
            + "stat -c 'project %u:%g %a' .; stat -c 'tmp %u:%g %a' \"$CI_PROJECT_DIR.tmp\"; "
            + "stat -c 'filevar %u:%g %a' \"$SECRET_FILE\"; stat -c 'cached %u:%g %a' cached/a.txt; "
            + "stat -c 'cacheddir %u:%g %a' cached; "
            + "mkdir made && echo hi > made/new.txt && echo hi >> cached/a.txt && echo WROTE-OK; "
            + "find /builds -perm -0002 ! -type l | sed 's/^/world-writable: /'";

    @BeforeAll
    static void namedUserImage() throws Exception {
        DockerExecutorIT.connect();
        var docker = DockerExecutorIT.docker;
        String base = docker.createContainerCmd(TestDockerEngine.BUSYBOX).withCmd("true")
                .withLabels(TestDockerEngine.LABELS).exec().getId();
        try {
            ByteArrayOutputStream tar = new ByteArrayOutputStream();
            try (TarArchiveOutputStream out = new TarArchiveOutputStream(tar)) {
                dir(out, "etc/");
                file(out, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\nbuilder:x:2345:3456::/home/builder:/bin/sh\n");
                file(out, "etc/group", "root:x:0:\nbuilders:x:3456:\n");
            }
            docker.copyArchiveToContainerCmd(base).withRemotePath("/")
                    .withTarInputStream(new ByteArrayInputStream(tar.toByteArray())).exec();
            docker.commitCmd(base).withRepository("clever-runner/busybox-builder").withTag(DockerExecutorIT.RUNNER)
                    .withUser("builder").exec();
        } finally {
            docker.removeContainerCmd(base).withForce(true).exec();
        }
    }

    @AfterAll
    static void removeImage() throws Exception {
        DockerExecutorIT.docker.removeImageCmd(NAMED_USER_IMAGE).withForce(true).exec();
        DockerExecutorIT.sweep();
    }

    @Test
    void anImageRunningAsANamedUserOwnsItsTreeAndNothingIsWorldWritable() throws Exception {
        String trace = run(JobPlan.ImageSpec.of(NAMED_USER_IMAGE));
        assertThat(trace).contains("2345\n3456\n", "project 2345:3456 755", "tmp 2345:3456 755",
                "filevar 2345:3456 700", "cached 2345:3456 644", "cacheddir 2345:3456 755", "WROTE-OK")
                .doesNotContain("world-writable: /builds");
    }

    @Test
    void aNumericUserOfTheJobOwnsItsTree() throws Exception {
        String trace = run(new JobPlan.ImageSpec(TestDockerEngine.BUSYBOX, null, null, "1234:4321", null));
        assertThat(trace).contains("1234\n4321\n", "project 1234:4321 755", "filevar 1234:4321 700",
                "cached 1234:4321 644", "WROTE-OK").doesNotContain("world-writable: /builds");
    }

    @Test
    void rootImagesGetAnOrdinaryTree() throws Exception {
        String trace = run(JobPlan.ImageSpec.of(TestDockerEngine.BUSYBOX));
        assertThat(trace).contains("0\n0\n", "project 0:0 755", "filevar 0:0 700", "cached 0:0 644", "WROTE-OK")
                .doesNotContain("world-writable: /builds");
    }

    private static String run(JobPlan.ImageSpec image) throws Exception {
        JobPlan base = DockerExecutorIT.plan(List.of(PROBE), List.of(),
                List.of(new JobPlan.Variable("SECRET_FILE", "s3cr3t\n", false, true, false)), List.of());
        JobPlan plan = new JobPlan(base.runnerId(), base.jobId(), base.jobName(), base.projectPath(), image,
                base.services(), base.variables(), base.sources(), base.script(), base.afterScript(), base.timeout(),
                base.afterScriptTimeout(), List.of(new JobPlan.CacheRule("k", List.of("cached/"), false, "pull",
                        "on_success", List.of())), base.artifacts(), base.dependencies(), base.registryAuths());
        DockerExecutorIT.MemoryCache cache = new DockerExecutorIT.MemoryCache();
        cache.entries.put("k", zip("cached/a.txt", "from the cache\n"));
        DockerExecutorIT.Run run = DockerExecutorIT.run(plan, cache, null);
        assertThat(run.outcome().status()).as(run.trace().text()).isEqualTo(JobOutcome.Status.SUCCESS);
        return run.trace().text();
    }

    private static byte[] zip(String name, String content) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("cached/"));
            zip.closeEntry();
            zip.putNextEntry(new ZipEntry(name));
            zip.write(content.getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
        return bytes.toByteArray();
    }

    private static void dir(TarArchiveOutputStream out, String name) throws Exception {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setMode(0755);
        out.putArchiveEntry(entry);
        out.closeArchiveEntry();
    }

    private static void file(TarArchiveOutputStream out, String name, String content) throws Exception {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setMode(0644);
        entry.setSize(bytes.length);
        out.putArchiveEntry(entry);
        out.write(bytes);
        out.closeArchiveEntry();
    }
}
