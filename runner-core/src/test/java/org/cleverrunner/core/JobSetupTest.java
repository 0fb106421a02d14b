package org.cleverrunner.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class JobSetupTest {

    @Test
    void cloneUrlTakesSchemeHostAndPortAndKeepsTheJobTokenAndPath() {
        assertThat(JobSetup.cloneFrom("https://gitlab-ci-token:glcbt-secret@gitlab.example.com/group/p.git",
                "http://gitlab.internal:8080")).isEqualTo("http://gitlab-ci-token:glcbt-secret@gitlab.internal:8080"
                + "/group/p.git");
        // a path of its own goes before the project's, as for a GitLab under a relative URL
        assertThat(JobSetup.cloneFrom("https://gitlab-ci-token:t@gitlab.example.com/group/p.git",
                "https://mirror.example.com/gitlab/")).isEqualTo("https://gitlab-ci-token:t@mirror.example.com"
                + "/gitlab/group/p.git");
    }

    @Test
    void anEnvironmentEntryWithoutKeyIsRefusedAndToStringShowsNoValue() {
        assertThatThrownBy(() -> new JobSetup(List.of("=value"), null, null, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(new JobSetup(List.of("SECRET=hunter2"), "echo", null, null).toString())
                .contains("SECRET").doesNotContain("hunter2");
    }
}
