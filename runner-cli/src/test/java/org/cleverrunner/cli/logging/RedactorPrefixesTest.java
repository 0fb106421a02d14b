package org.cleverrunner.cli.logging;

import static org.assertj.core.api.Assertions.assertThat;

import org.cleverrunner.coordinator.GitLabTokens;
import org.junit.jupiter.api.Test;

/** The CLI's log redactor masks every prefix of the one public list. */
class RedactorPrefixesTest {

    @Test
    void everyGitLabTokenPrefixIsMasked() {
        for (String prefix : GitLabTokens.PREFIXES) {
            assertThat(Redactor.redact("log line with " + prefix + "s3cretvalue42 in it")).as(prefix)
                    .isEqualTo("log line with " + prefix + "[MASKED] in it");
        }
    }
}
