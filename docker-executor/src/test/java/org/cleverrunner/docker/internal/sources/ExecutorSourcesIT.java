package org.cleverrunner.docker.internal.sources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cleverrunner.docker.internal.sources.Processes.git;
import static org.cleverrunner.docker.internal.sources.Processes.write;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.cleverrunner.docker.DockerExecutor;
import org.cleverrunner.docker.TestDockerEngine;
import org.cleverrunner.spi.Host;
import org.cleverrunner.spi.JobContext;
import org.cleverrunner.spi.JobControl;
import org.cleverrunner.spi.JobOutcome;
import org.cleverrunner.spi.JobPlan;
import org.cleverrunner.spi.Secret;
import org.cleverrunner.spi.Trace;
import org.cleverrunner.testkit.GitHttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jobs whose sources come from a Git repository served on loopback behind the job token: fetched on the runner
 * host, streamed into the build volume, used by the script in the job's container.
 */
class ExecutorSourcesIT {

    static final String TOKEN = "glcbt-64_executor-sources-token-42";

    @TempDir
    static Path repos;
    static GitHttpServer server;
    static String head;
    static final Host HOST = new Host("local", URI.create(TestDockerEngine.dockerHost()), null, null, Map.of());

    @BeforeAll
    static void serve() throws IOException {
        Path work = repos.resolve("work");
        Path sub = work.resolve("sub");
        Files.createDirectories(sub);
        git(sub, "init", "-q", "-b", "main");
        write(sub.resolve("lib.txt"), "from the submodule\n");
        git(sub, "add", "-A");
        git(sub, "commit", "-q", "-m", "lib");
        String subCommit = git(sub, "rev-parse", "HEAD");

        Path project = work.resolve("project");
        Files.createDirectories(project);
        git(project, "init", "-q", "-b", "main");
        write(project.resolve("README.md"), "first\n");
        git(project, "add", "-A");
        git(project, "commit", "-q", "-m", "first");
        write(project.resolve("README.md"), "hello from the repository\n");
        write(project.resolve("build.sh"), "echo built > output.txt\n");
        write(project.resolve(".gitmodules"), "[submodule \"sub\"]\n\tpath = sub\n\turl = ../sub.git\n");
        git(project, "add", "-A");
        git(project, "update-index", "--add", "--cacheinfo", "160000," + subCommit + ",sub");
        git(project, "commit", "-q", "-m", "second, with a submodule");
        head = git(project, "rev-parse", "HEAD");

        Path root = repos.resolve("served");
        for (String name : List.of("project", "sub")) {
            Path bare = root.resolve("group").resolve(name + ".git");
            Files.createDirectories(bare.getParent());
            git(work, "clone", "-q", "--bare", work.resolve(name).toString(), bare.toString());
            git(bare, "config", "uploadpack.allowAnySHA1InWant", "true");
        }
        server = GitHttpServer.git(root, TOKEN);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static JobPlan plan(String token, List<String> script, List<JobPlan.ArtifactRule> artifacts) {
        String url = server.base().replace("://", "://gitlab-ci-token:" + token + "@") + "/group/project.git";
        return new JobPlan("srcit", System.nanoTime() & 0xffffff, "build", "group/project",
                JobPlan.ImageSpec.of(TestDockerEngine.BUSYBOX), null,
                List.of(JobPlan.Variable.of("GIT_DEPTH", "1"), JobPlan.Variable.of("GIT_SUBMODULE_STRATEGY", "normal"),
                        JobPlan.Variable.masked("CI_JOB_TOKEN", token)),
                new JobPlan.SourceSpec("git", Secret.of(url), head, "main", "branch", List.of(), 1), script, null,
                Duration.ofMinutes(2), null, null, artifacts, null, null);
    }

    @Test
    void scriptRunsOnTheFetchedSourcesWithSubmodule(@TempDir Path work) throws Exception {
        DockerExecutor executor = DockerExecutor.builder().sourcesWorkRoot(work).build();
        Recorder trace = new Recorder();
        JobOutcome outcome = executor.run(plan(TOKEN, List.of("cat README.md sub/lib.txt", "sh build.sh",
                "cat output.txt", "ls -a"), List.of()), HOST, new JobContext(trace, null, null, new JobControl()));

        assertThat(outcome.status()).as(trace.text()).isEqualTo(JobOutcome.Status.SUCCESS);
        assertThat(trace.text()).contains("hello from the repository", "from the submodule", "built", ".git")
                .contains("Checking out " + head.substring(0, 8))
                .doesNotContain(TOKEN);
    }

    @Test
    void wrongCredentialsFailGetSourcesClearlyWithoutTheSecret(@TempDir Path work) throws Exception {
        DockerExecutor executor = DockerExecutor.builder().sourcesWorkRoot(work).build();
        Recorder trace = new Recorder();
        String wrong = "glcbt-64_wrong-token-000000";
        JobOutcome outcome = executor.run(plan(wrong, List.of("echo never"), List.of()), HOST,
                new JobContext(trace, null, null, new JobControl()));

        assertThat(outcome.failure()).isEqualTo(JobOutcome.FailureKind.SCRIPT_FAILURE);
        assertThat(outcome.message()).startsWith("get_sources failed").contains("Authentication failed")
                .doesNotContain(wrong).doesNotContain(TOKEN);
        assertThat(trace.text()).doesNotContain(wrong).doesNotContain("never\n");
    }

    /** A trace keeping everything, for assertions. */
    static final class Recorder implements Trace {
        private final StringBuilder text = new StringBuilder();

        @Override
        public synchronized void write(byte[] bytes, int from, int length) {
            text.append(new String(bytes, from, length, java.nio.charset.StandardCharsets.UTF_8));
        }

        @Override
        public void sectionStart(String name, String header) {
            line("section_start:" + name + " " + header);
        }

        @Override
        public void sectionEnd(String name) {
            line("section_end:" + name);
        }

        synchronized String text() {
            return text.toString();
        }
    }
}
