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

    private static final java.util.function.Consumer<String> NO_WARNING = problem -> {
        throw new AssertionError("unexpected warning: " + problem);
    };

    @TempDir
    Path dir;

    private CredentialHelpers helpers() {
        return new CredentialHelpers(List.of(dir.resolve("bin")), Duration.ofSeconds(5));
    }

    @Test
    void theFirstSourceToNameARegistryWinsItWhateverTheOthersSay() throws Exception {
        Path host = Files.writeString(dir.resolve("config.json"), config("registry.example.com", "host", "h-pw")
                .replace("}}}", "}, \"gitlab.example.com:5050\": {\"username\": \"host\", \"password\": \"h2\"}}}"));
        JobPlan plan = plan(config("Registry.Example.COM", "variable", "v-pw"),
                new JobPlan.RegistryAuth("registry.example.com", "gitlab-ci-token", Secret.of("job-token")),
                new JobPlan.RegistryAuth("gitlab.example.com:5050", "gitlab-ci-token", Secret.of("job-token")),
                new JobPlan.RegistryAuth("gitlab.example.com:443", "gitlab-ci-token", Secret.of("job-token")));

        RegistryCredentials credentials = RegistryCredentials.of(plan, host, helpers());

        assertThat(found(credentials, "registry.example.com/group/app:1"))
                .isEqualTo("registry.example.com variable v-pw $DOCKER_AUTH_CONFIG");
        assertThat(found(credentials, "gitlab.example.com:5050/group/app"))
                .isEqualTo("gitlab.example.com:5050 host h2 " + host);
        assertThat(found(credentials, "gitlab.example.com:443/group/dependency_proxy/containers/alpine"))
                .isEqualTo("gitlab.example.com:443 gitlab-ci-token job-token job payload (GitLab Registry)");
        // a port is part of the registry: gitlab.example.com without one is another registry
        assertThat(credentials.forImage(image("gitlab.example.com/group/app"), NO_WARNING)).isEmpty();
        assertThat(credentials.warnings()).isEmpty();
    }

    @Test
    void dockerHubIsOneRegistryUnderEveryNameAndTheLongestPrefixWins() throws Exception {
        JobPlan plan = plan("{\"auths\": {\"https://index.docker.io/v1/\": {\"auth\": \""
                + Base64.getEncoder().encodeToString("hub:hub-pw".getBytes(StandardCharsets.UTF_8))
                + "\"}, \"docker.io/octobus\": {\"username\": \"octo\", \"password\": \"octo-pw\"}}}");

        RegistryCredentials credentials = RegistryCredentials.of(plan, null, helpers());

        for (String name : List.of("alpine", "library/alpine:3", "docker.io/library/alpine", "index.docker.io/x/y",
                "docker.io/octobusx/y")) {
            assertThat(found(credentials, name)).as(name).isEqualTo("docker.io hub hub-pw $DOCKER_AUTH_CONFIG");
        }
        assertThat(found(credentials, "octobus/heptapod:1")).isEqualTo("docker.io/octobus octo octo-pw"
                + " $DOCKER_AUTH_CONFIG");
        assertThat(credentials.forImage(image("quay.io/octobus/heptapod"), NO_WARNING)).isEmpty();
    }

    @Test
    void unreadableConfigsAreWarningsThatQuoteNoSecret(@TempDir Path other) throws Exception {
        Path broken = Files.writeString(other.resolve("config.json"), "{\"auths\": {\"r.io\": {\"auth\": \"s3cr3t\"");
        JobPlan plan = plan("{\"credsStore\": \"desktop\", \"auths\": {\"a.io\": {\"auth\": \"bm90LWJhc2U2NA\"},"
                + " \"b.io\": {\"username\": \"only-user\"}}}");

        RegistryCredentials credentials = RegistryCredentials.of(plan, broken, helpers());

        assertThat(credentials.warnings()).containsExactly(
                "$DOCKER_AUTH_CONFIG: docker-credential-desktop is not on the runner's PATH; the registries of its"
                        + " credsStore have no credentials from it",
                "$DOCKER_AUTH_CONFIG: the entry for a.io has no usable auth, username or password",
                "$DOCKER_AUTH_CONFIG: the entry for b.io has no usable auth, username or password",
                broken + " is not valid JSON: its credentials are not used");
        assertThat(String.join("\n", credentials.warnings())).doesNotContain("s3cr3t", "only-user");
        assertThat(credentials.forImage(image("a.io/x"), NO_WARNING)).isEmpty();
        assertThat(RegistryCredentials.of(plan("not json {"), null, helpers()).warnings())
                .containsExactly("$DOCKER_AUTH_CONFIG is not valid JSON: its credentials are not used");
    }

    @Test
    void helpersRunOnlyForTheRegistriesImagesNeedAndComeBeforeTheStoreAndTheAuths() throws Exception {
        // the store holds hub and store.example.com; the helper holds helped.example.com
        helper("store", """
                read -r server
                echo "store $1 $server" >> "$(dirname "$0")/calls"
                case "$1 $server" in
                  list*) echo '{"https://index.docker.io/v1/":"hub","store.example.com":"s"}' ;;
                  "get https://index.docker.io/v1/") echo '{"Username":"hub","Secret":"hub-from-store"}' ;;
                  "get store.example.com") echo '{"Username":"s","Secret":"s-from-store"}' ;;
                  *) echo 'credentials not found in native keychain'; exit 1 ;;
                esac
                """);
        helper("ecr", """
                read -r server
                echo "ecr $1 $server" >> "$(dirname "$0")/calls"
                echo '{"Username":"AWS","Secret":"from-ecr"}'
                """);
        Path host = Files.writeString(dir.resolve("config.json"), """
                {"credsStore": "store",
                 "credHelpers": {"helped.example.com": "ecr", "store.example.com": "ecr"},
                 "auths": {"empty.example.com": {}, "helped.example.com": {"username": "u", "password": "inline"}}}
                """);
        JobPlan plan = new JobPlan("runner", 1, "job", "group/project", JobPlan.ImageSpec.of("alpine"), List.of(),
                List.of(), null, List.of("true"), List.of(), Duration.ofMinutes(1), null, null, null, null,
                List.of(new JobPlan.RegistryAuth("empty.example.com", "gitlab-ci-token", Secret.of("job-token"))));

        RegistryCredentials credentials = RegistryCredentials.of(plan, host, helpers());

        assertThat(credentials.warnings()).isEmpty();
        assertThat(calls()).containsExactly("store list ");
        assertThat(found(credentials, "helped.example.com/app")).isEqualTo("helped.example.com AWS from-ecr "
                + host + " (docker-credential-ecr)");
        assertThat(found(credentials, "store.example.com/app")).as("credHelpers before credsStore")
                .isEqualTo("store.example.com AWS from-ecr " + host + " (docker-credential-ecr)");
        assertThat(found(credentials, "alpine:3")).isEqualTo("docker.io hub hub-from-store " + host
                + " (docker-credential-store)");
        // the store's empty entry holds nothing: the payload's credentials are next
        assertThat(found(credentials, "empty.example.com/app")).isEqualTo("empty.example.com gitlab-ci-token"
                + " job-token job payload (GitLab Registry)");
        assertThat(found(credentials, "quay.io/app")).isEqualTo("none");
        // each helper ran once per registry asked for, never for the others
        found(credentials, "helped.example.com/other");
        assertThat(calls()).containsExactly("store list ", "ecr get helped.example.com", "ecr get store.example.com",
                "store get https://index.docker.io/v1/", "store get empty.example.com");
    }

    @Test
    void aFailingHelperIsAWarningAndTheNextSourceServesTheRegistry() throws Exception {
        helper("broken", "echo 'the password is hunter2'; exit 4\n");
        JobPlan plan = plan("{\"credHelpers\": {\"registry.example.com\": \"broken\", \"evil.example.com\":"
                        + " \"../../bin/sh\"}}",
                new JobPlan.RegistryAuth("registry.example.com", "gitlab-ci-token", Secret.of("job-token")));
        List<String> warnings = new ArrayList<>();

        RegistryCredentials credentials = RegistryCredentials.of(plan, null, helpers());

        assertThat(credentials.warnings()).containsExactly("$DOCKER_AUTH_CONFIG: credential helper name"
                + " '../../bin/sh' is not a plain name (a path is refused); it is not run");
        assertThat(credentials.forImage(image("registry.example.com/app"), warnings::add)
                .map(RegistryCredentials.Found::source)).contains(RegistryCredentials.PAYLOAD);
        assertThat(warnings).containsExactly("$DOCKER_AUTH_CONFIG: docker-credential-broken get exited with"
                + " status 4; no credentials from it for registry.example.com");
        assertThat(String.join("\n", warnings)).doesNotContain("hunter2");
        assertThat(credentials.forImage(image("evil.example.com/app"), NO_WARNING)).isEmpty();
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

    private static String found(RegistryCredentials credentials, String image) throws InterruptedException {
        return credentials.forImage(image(image), NO_WARNING).map(f -> f.registry() + " " + f.username() + " "
                + f.password().reveal() + " " + f.source()).orElse("none");
    }

    private List<String> calls() throws java.io.IOException {
        Path calls = dir.resolve("bin/calls");
        return Files.exists(calls) ? Files.readAllLines(calls) : List.of();
    }

    private void helper(String name, String body) throws java.io.IOException {
        Path program = dir.resolve("bin/docker-credential-" + name);
        Files.createDirectories(program.getParent());
        Files.writeString(program, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(program, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
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
