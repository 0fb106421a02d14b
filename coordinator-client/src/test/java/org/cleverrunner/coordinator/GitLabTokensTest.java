package org.cleverrunner.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import org.cleverrunner.coordinator.internal.Redactor;
import org.junit.jupiter.api.Test;

class GitLabTokensTest {

    @Test
    void theListIsTheUnionOfEveryRedactorsPrefixes() {
        assertThat(GitLabTokens.PREFIXES).contains("glpat-", "gloas-", "gldt-", "glrt-", "glrtr-", "glcbt-", "glptt-",
                "glft-", "glimt-", "glagent-", "glsoat-", "glffct-", "gltok-", "glwt-", "GR1348941", "_gitlab_session=")
                .doesNotHaveDuplicates();
    }

    @Test
    void everyPrefixIsMaskedWithItsPrefixKept() {
        for (String prefix : GitLabTokens.PREFIXES) {
            String text = "before " + prefix + "Abc_12.3-x=y after";
            assertThat(GitLabTokens.redact(text)).as(prefix).isEqualTo("before " + prefix + "[MASKED] after");
            assertThat(GitLabTokens.containsToken(text)).isTrue();
        }
        assertThat(GitLabTokens.redact("glrtr-abc")).isEqualTo("glrtr-[MASKED]");
        assertThat(GitLabTokens.redact("no token, glpat- alone")).isEqualTo("no token, glpat- alone");
        assertThat(GitLabTokens.redact(null)).isNull();
    }

    @Test
    void theClientsInternalRedactorMasksEveryPrefix() {
        for (String prefix : GitLabTokens.PREFIXES) {
            String secret = prefix + "s3cretvalue42";
            assertThat(Redactor.redact("message " + secret)).as(prefix).doesNotContain("s3cretvalue42");
            assertThat(Redactor.excerpt(("{\"m\":\"" + secret + "\"}").getBytes(), 100)).doesNotContain("s3cretvalue42");
        }
    }
}
