package org.cleverrunner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.cleverrunner.testkit.GitHttpServer;
import org.cleverrunner.testkit.JobState;
import org.cleverrunner.testkit.JobView;
import org.cleverrunner.testkit.Jobs;
import org.cleverrunner.testkit.TwoCommitProject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GitLab Runner's {@code environment}, {@code pre_build_script}, {@code post_build_script} and {@code clone_url}
 * keys under {@code run} as a process: the runner's variables win over the job's, the hooks run around the job's
 * script in its shell, and the sources come from {@code clone_url}'s host when the coordinator's repository URL
 * leads nowhere.
 */
class JobSetupUnderRunIT extends LocalRunFixture {

    @TempDir
    static Path served;
    static GitHttpServer repositories;
    static TwoCommitProject project;

    @BeforeAll
    static void serve() throws IOException {
        project = TwoCommitProject.create(Files.createDirectories(served.resolve("root")), "group/hooked");
        repositories = GitHttpServer.git(served.resolve("root"), token -> token.startsWith("glcbt-"));
    }

    @AfterAll
    static void stopServing() {
        repositories.close();
    }

    JobSetupUnderRunIT() {
        super("jobsetup", 751_000);
    }

    @Override
    String runnerExtra() {
        return "environment = [\"FROM_RUNNER=runner value\", \"OVERRIDDEN=by the runner\"]\n"
                + "pre_build_script = \"echo pre-build sees $FROM_RUNNER; touch pre-build-ran\"\n"
                + "post_build_script = '''\necho post-build after the script\ntest -f pre-build-ran\n'''\n"
                + "clone_url = \"" + repositories.base() + "\"\n";
    }

    @Test
    void theRunnersEnvironmentHooksAndCloneUrlApplyToEveryJob() throws Exception {
        // the coordinator's repository URL names a port where nothing listens: only clone_url's host has it
        String unreachable = repositories.url("group/hooked").replaceFirst(":[0-9]+/", ":9/");
        JobView view = gitlab.awaitJob(gitlab.enqueue(Jobs.job("hooked").image(IMAGE)
                .project(4712, "group/hooked").repoUrl(unreachable).sha(project.main().sha()).ref("main")
                .refspecs("+refs/heads/main:refs/remotes/origin/main").depth(5)
                .variable("OVERRIDDEN", "by the job")
                .script("echo script sees OVERRIDDEN=$OVERRIDDEN and MARKER=$(cat MARKER)")).id(),
                Duration.ofSeconds(120));

        String log = view.traceText();
        assertThat(view.state()).as(log + "\n" + runnerLog()).isEqualTo(JobState.SUCCESS);
        assertThat(log).contains("\npre-build sees runner value\n")
                .contains("\nscript sees OVERRIDDEN=by the runner and MARKER=one\n")
                .contains("\npost-build after the script\n");
        assertThat(log.indexOf("pre-build sees")).isLessThan(log.indexOf("script sees"));
        assertThat(log.indexOf("script sees")).isLessThan(log.indexOf("post-build after"));
        assertThat(log + runnerLog()).doesNotContain(":9/");
    }

    @Test
    void aFailingScriptSkipsThePostBuildScriptAsGitLabRunnerDoes() throws Exception {
        JobView view = gitlab.awaitJob(gitlab.enqueue(Jobs.job("failing").image(IMAGE)
                .variable("GIT_STRATEGY", "none").script("echo failing now", "exit 4")).id(), Duration.ofSeconds(120));
        assertThat(view.state()).isEqualTo(JobState.FAILED);
        assertThat(view.exitCode()).isEqualTo(4);
        assertThat(view.traceText()).contains("pre-build sees runner value").doesNotContain("post-build after");
    }
}
