package org.cleverrunner.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The build records the git commit it was made of, as gitlab-runner's revision, and sends it to GitLab. */
class ClientVersionTest {

    @Test
    void theRevisionIsTheCommitOfTheBuildOrUnknownOutsideGit() throws Exception {
        String head = gitHead();
        // the build ran git in this module's directory, as this test does (surefire's working directory)
        assertThat(ClientVersion.REVISION).isEqualTo(head == null ? "unknown" : head);
        assertThat(RunnerInfo.defaults().revision()).isEqualTo(ClientVersion.REVISION);
        assertThat(ClientVersion.VERSION).isNotBlank().doesNotContain("${");
    }

    /** {@code git rev-parse --short=8 HEAD} here, or null without git or a repository. */
    private static String gitHead() throws InterruptedException {
        try {
            Process git = new ProcessBuilder("git", "rev-parse", "--short=8", "HEAD").redirectErrorStream(true).start();
            String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return git.waitFor(30, TimeUnit.SECONDS) && git.exitValue() == 0 ? out : null;
        } catch (IOException e) {
            return null;
        }
    }
}
