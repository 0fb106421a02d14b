package org.cleverrunner.docker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.cleverrunner.spi.ImageReference;
import org.cleverrunner.spi.JobPlan;
import org.cleverrunner.spi.Secret;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GitLab Runner's precedence and matching of registry credentials (helpers/docker/auth): DOCKER_AUTH_CONFIG, then
 * the runner host's config, then the payload; the first source naming a registry wins it; the longest registry
 * name an image starts with wins; Docker Hub's names and registry URLs compared as GitLab Runner compares them.
 */
class RegistryCredentialsTest {

    @TempDir
    Path dir;

    @Test
    void theFirstSourceToNameARegistryWinsItWhateverTheOthersSay() throws Exception {
        Path host = Files.writeString(dir.resolve("config.json"), config("registry.example.com", "host", "h-pw")
                .replace("}}}", "}, \"gitlab.example.com:5050\": {\"username\": \"host\", \"password\": \"h2\"}}}"));
        JobPlan plan = plan(config("Registry.Example.COM", "variable", "v-pw"),
                new JobPlan.RegistryAuth("registry.example.com", "gitlab-ci-token", Secret.of("job-token")),
                new JobPlan.RegistryAuth("gitlab.example.com:5050", "gitlab-ci-token", Secret.of("job-token")),
                new JobPlan.RegistryAuth("gitlab.example.com:443", "gitlab-ci-token", Secret.of("job-token")));

        RegistryCredentials credentials = RegistryCredentials.of(plan, host);

        assertThat(found(credentials, "registry.example.com/group/app:1"))
                .isEqualTo("registry.example.com variable v-pw $DOCKER_AUTH_CONFIG");
        assertThat(found(credentials, "gitlab.example.com:5050/group/app"))
                .isEqualTo("gitlab.example.com:5050 host h2 " + host);
        assertThat(found(credentials, "gitlab.example.com:443/group/dependency_proxy/containers/alpine"))
                .isEqualTo("gitlab.example.com:443 gitlab-ci-token job-token job payload (GitLab Registry)");
        // a port is part of the registry: gitlab.example.com without one is another registry
        assertThat(credentials.forImage(image("gitlab.example.com/group/app"))).isEmpty();
        assertThat(credentials.warnings()).isEmpty();
    }

    @Test
    void dockerHubIsOneRegistryUnderEveryNameAndTheLongestPrefixWins() {
        JobPlan plan = plan("{\"auths\": {\"https://index.docker.io/v1/\": {\"auth\": \""
                + Base64.getEncoder().encodeToString("hub:hub-pw".getBytes(StandardCharsets.UTF_8))
                + "\"}, \"docker.io/octobus\": {\"username\": \"octo\", \"password\": \"octo-pw\"}}}");

        RegistryCredentials credentials = RegistryCredentials.of(plan, null);

        for (String name : List.of("alpine", "library/alpine:3", "docker.io/library/alpine", "index.docker.io/x/y",
                "docker.io/octobusx/y")) {
            assertThat(found(credentials, name)).as(name).isEqualTo("docker.io hub hub-pw $DOCKER_AUTH_CONFIG");
        }
        assertThat(found(credentials, "octobus/heptapod:1")).isEqualTo("docker.io/octobus octo octo-pw"
                + " $DOCKER_AUTH_CONFIG");
        assertThat(credentials.forImage(image("quay.io/octobus/heptapod"))).isEmpty();
    }

    @Test
    void unreadableConfigsAreWarningsThatQuoteNoSecret(@TempDir Path other) throws Exception {
        Path broken = Files.writeString(other.resolve("config.json"), "{\"auths\": {\"r.io\": {\"auth\": \"s3cr3t\"");
        JobPlan plan = plan("{\"credsStore\": \"desktop\", \"auths\": {\"a.io\": {\"auth\": \"bm90LWJhc2U2NA\"},"
                + " \"b.io\": {\"username\": \"only-user\"}}}");

        RegistryCredentials credentials = RegistryCredentials.of(plan, broken);

        assertThat(credentials.warnings()).containsExactly(
                "$DOCKER_AUTH_CONFIG: credsStore and credHelpers are not supported, only auths",
                "$DOCKER_AUTH_CONFIG: the entry for a.io has no usable auth, username or password",
                "$DOCKER_AUTH_CONFIG: the entry for b.io has no usable auth, username or password",
                broken + " is not valid JSON: its credentials are not used");
        assertThat(String.join("\n", credentials.warnings())).doesNotContain("s3cr3t", "only-user");
        assertThat(credentials.forImage(image("a.io/x"))).isEmpty();
        assertThat(RegistryCredentials.of(plan("not json {"), null).warnings())
                .containsExactly("$DOCKER_AUTH_CONFIG is not valid JSON: its credentials are not used");
    }

    @Test
    void registryNamesAreComparedWithoutSchemeNorUrlPath() {
        assertThat(RegistryCredentials.normalised("https://Registry.Example.com:5000/v2/")).isEqualTo(
                "registry.example.com:5000");
        assertThat(RegistryCredentials.normalised("index.docker.io")).isEqualTo("docker.io");
        assertThat(RegistryCredentials.normalised("registry-1.docker.io")).isEqualTo("docker.io");
        assertThat(RegistryCredentials.normalised("gitlab.example.com:443/group/")).isEqualTo(
                "gitlab.example.com:443/group");
    }

    private static String found(RegistryCredentials credentials, String image) {
        return credentials.forImage(image(image)).map(f -> f.registry() + " " + f.username() + " "
                + f.password().reveal() + " " + f.source()).orElse("none");
    }

    private static ImageReference image(String name) {
        return ImageReference.parse(name).reference().orElseThrow();
    }

    private static String config(String registry, String user, String password) {
        return "{\"auths\": {\"" + registry + "\": {\"username\": \"" + user + "\", \"password\": \"" + password
                + "\"}}}";
    }

    private static JobPlan plan(String dockerAuthConfig, JobPlan.RegistryAuth... auths) {
        List<JobPlan.Variable> variables = new ArrayList<>();
        variables.add(new JobPlan.Variable("DOCKER_AUTH_CONFIG", dockerAuthConfig, true, false, false));
        return new JobPlan("runner", 1, "job", "group/project", JobPlan.ImageSpec.of("alpine"), List.of(), variables,
                null, List.of("true"), List.of(), Duration.ofMinutes(1), null, null, null, null, List.of(auths));
    }
}
