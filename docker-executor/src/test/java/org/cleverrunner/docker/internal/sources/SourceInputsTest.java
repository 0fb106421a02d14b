package org.cleverrunner.docker.internal.sources;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The pure parts: URL splitting, redaction, GIT_CLEAN_FLAGS, directory names, error lines. */
class SourceInputsTest {

    @Test
    void repoUrlSeparatesCredentialsFromThePrintableUrl() {
        RepoUrl url = RepoUrl.parse("https://gitlab-ci-token:p%40ss:w0rd@gitlab.example.com:8443/group/sub/p.git");

        assertThat(url.clean()).isEqualTo("https://gitlab.example.com:8443/group/sub/p.git");
        assertThat(url.origin()).isEqualTo("https://gitlab.example.com:8443");
        assertThat(url.credentials()).hasValueSatisfying(c -> {
            assertThat(c.username()).isEqualTo("gitlab-ci-token");
            assertThat(c.password()).isEqualTo("p@ss:w0rd");
            assertThat(c.toString()).doesNotContain("p@ss");
        });
        assertThat(RepoUrl.parse("http://host/p.git").credentials()).isEmpty();
    }

    @Test
    void repoUrlErrorsDoNotEchoTheUrl() {
        assertThatThrownBy(() -> RepoUrl.parse("ssh://u:secret-value@host/p.git"))
                .hasMessageContaining("http or https").hasMessageNotContaining("secret-value");
        assertThatThrownBy(() -> RepoUrl.parse("http://u:secret value@host/p .git"))
                .hasMessageNotContaining("secret");
    }

    @Test
    void redactorRemovesUserinfoAndSecrets() {
        Redactor redactor = new Redactor(List.of("tok-123456"));

        assertThat(redactor.redact("fatal: unable to access 'https://gitlab-ci-token:tok-123456@h/p.git/': 403"))
                .isEqualTo("fatal: unable to access 'https://h/p.git/': 403");
        assertThat(redactor.redact("token tok-123456 leaked")).isEqualTo("token [MASKED] leaked");
    }

    @Test
    void cleanFlagsAcceptOptionsAndExcludePatternsOnly() {
        assertThat(GitSettings.cleanFlags("")).containsExactly("-ffdx");
        assertThat(GitSettings.cleanFlags("none")).isEmpty();
        assertThat(GitSettings.cleanFlags("-ffdx -e cache/ --exclude=*.bin"))
                .containsExactly("-ffdx", "-e", "cache/", "--exclude=*.bin");
        for (String bad : List.of("-ffdx ../..", "x", "-ffdx --", "-e", "-ffdx \u0007")) {
            assertThatThrownBy(() -> GitSettings.cleanFlags(bad)).as(bad)
                    .isInstanceOf(SourceFetchException.class).hasMessageContaining("GIT_CLEAN_FLAGS");
        }
    }

    @Test
    void workingCopyNamesStayDirectlyUnderTheWorkRoot() {
        Path root = Path.of("/srv/runner/work");
        Path a = Inputs.workingCopy(root, "r1", "group/sub/project.name");
        Path b = Inputs.workingCopy(root, "r1", "group-sub/project.name");

        assertThat(a.getParent()).isEqualTo(root);
        assertThat(a.getFileName().toString()).startsWith("r1-group-sub-project.name-");
        assertThat(a).isNotEqualTo(b);
        assertThat(Inputs.workingCopy(root, "r1", "g/..x").getFileName().toString()).doesNotContain("..");
        for (String bad : List.of("..", "../x", "g/./p", "g//p", "/g", "g/p/", "g/p q", "g/-p", "g/p\n")) {
            assertThatThrownBy(() -> Inputs.workingCopy(root, "r1", bad)).as(bad)
                    .isInstanceOf(SourceFetchException.class);
        }
        assertThatThrownBy(() -> Inputs.workingCopy(root, "../r1", "g/p")).isInstanceOf(SourceFetchException.class);
    }

    @Test
    void revisionsMustBeFullIds() {
        String sha1 = "0123456789abcdef0123456789ABCDEF01234567";
        assertThat(Inputs.gitRevision(sha1)).isEqualTo(sha1.toLowerCase());
        assertThat(Inputs.gitRevision("a".repeat(64))).hasSize(64);
        assertThat(Inputs.hgNode(sha1)).hasSize(40);
        assertThatThrownBy(() -> Inputs.hgNode("a".repeat(64))).isInstanceOf(SourceFetchException.class);
        assertThatThrownBy(() -> Inputs.gitRevision("HEAD")).hasMessageContaining("'HEAD'");
    }

    @Test
    void errorLinesNameTheCommandAndItsReason() {
        assertThat(Commands.label(List.of("git", "-C", "x", "submodule", "update"))).isEqualTo("git submodule");
        assertThat(Commands.label(List.of("hg", "--config", "a=b", "pull", "-r", "n"))).isEqualTo("hg pull");
        assertThat(Commands.meaningful(List.of("From x", "fatal: could not read", "hint: try again")))
                .isEqualTo("fatal: could not read");
        assertThat(Commands.meaningful(List.of("something broke", ""))).isEqualTo("something broke");
    }

    @Test
    void gitEnvironmentHoldsTheCredentialOnlyOutsideConfigValues() {
        Map<String, String> env = GitSources.environment(RepoUrl.parse("https://gitlab-ci-token:tok-42abc@h.example/p.git"));

        assertThat(env).containsEntry("GIT_TERMINAL_PROMPT", "0").containsEntry("CLEVER_RUNNER_GIT_PASSWORD", "tok-42abc");
        assertThat(env.entrySet()).filteredOn(e -> e.getKey().startsWith("GIT_CONFIG_"))
                .allSatisfy(e -> assertThat(e.getValue()).doesNotContain("tok-42abc"));
        assertThat(env).containsValue("credential.https://h.example.helper");
    }
}
