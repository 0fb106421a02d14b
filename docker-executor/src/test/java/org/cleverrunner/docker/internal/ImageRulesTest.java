package org.cleverrunner.docker.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * GitLab Runner's pull policies and allow-lists ([runners.docker] pull_policy, allowed_pull_policies,
 * allowed_images, allowed_services, as its docs describe them).
 */
class ImageRulesTest {

    @Test
    void aJobWithoutPolicyGetsTheRunnersAndAJobsOwnMustBeAllowed() {
        ImageRules rules = new ImageRules(List.of("always", "if-not-present"), null, null, null);

        assertThat(rules.policies(List.of()).policies()).containsExactly("always", "if-not-present");
        // allowed_pull_policies unset: the runner's pull_policy is what jobs may ask for
        assertThat(rules.policies(List.of("if-not-present")).policies()).containsExactly("if-not-present");
        assertThat(rules.policies(List.of("never")).refusal()).isEqualTo("pull_policy [never] defined in the job is"
                + " not one of the runner's allowed_pull_policies [always, if-not-present]");

        ImageRules allowed = new ImageRules(List.of("always"), List.of("never", "if-not-present"), null, null);
        assertThat(allowed.policies(List.of("always", "if-not-present")).policies()).containsExactly("if-not-present");
        assertThat(allowed.policies(List.of()).policies()).containsExactly("always");

        assertThat(ImageRules.NONE.policies(List.of()).policies()).containsExactly("if-not-present");
        assertThat(ImageRules.NONE.policies(List.of("never", "always")).policies()).containsExactly("never", "always");
        assertThatThrownBy(() -> new ImageRules(List.of("sometimes"), null, null, null))
                .hasMessage("'sometimes' is not a pull policy (always, if-not-present, never)");
    }

    @Test
    void allowListsAreGlobsWhereStarStaysInASegmentAndDoubleStarCrossesThem() {
        ImageRules rules = new ImageRules(null, null, List.of("ruby:*", "registry.example.com/**", "python:3.*"),
                List.of("postgres:*", "*/redis:*"));

        assertThat(rules.refusal("ruby:3.3", false)).isNull();
        assertThat(rules.refusal("python:3.12-slim", false)).isNull();
        assertThat(rules.refusal("registry.example.com/group/sub/app:1", false)).isNull();
        assertThat(rules.refusal("library/ruby:3.3", false)).isEqualTo("the image 'library/ruby:3.3' is not on the"
                + " runner's allowed_images (ruby:*, registry.example.com/**, python:3.*)");
        assertThat(rules.refusal("python:2.7", false)).isNotNull();
        assertThat(rules.refusal("postgres:16", true)).isNull();
        assertThat(rules.refusal("bitnami/redis:7", true)).isNull();
        assertThat(rules.refusal("a/b/redis:7", true)).isEqualTo("the service 'a/b/redis:7' is not on the runner's"
                + " allowed_services (postgres:*, */redis:*)");
        // services are not images: each list for its own
        assertThat(rules.refusal("postgres:16", false)).isNotNull();
        assertThat(ImageRules.NONE.refusal("anything:1", false)).isNull();
    }
}
