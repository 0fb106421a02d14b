package org.cleverrunner.docker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Docker's credential helper protocol (docker-credential-helpers: {@code get} reads the server URL on standard input
 * and answers {@code {"ServerURL", "Username", "Secret"}}, exits 1 with "credentials not found in native keychain"
 * when it holds nothing; {@code list} answers {@code {url: username}}), spoken with real helper programs.
 */
class CredentialHelpersTest {

    @TempDir
    Path bin;

    @Test
    void getSendsTheServerUrlOnStandardInputAndReadsTheAnswer() throws Exception {
        helper("store", """
                read -r server
                echo "$1 $server" >> "$(dirname "$0")/calls"
                case "$server" in
                  registry.example.com) echo '{"ServerURL":"registry.example.com","Username":"ci","Secret":"s3"}' ;;
                  oauth.example.com) echo '{"ServerURL":"oauth.example.com","Username":"<token>","Secret":"tok"}' ;;
                  *) echo 'credentials not found in native keychain'; exit 1 ;;
                esac
                """);
        CredentialHelpers helpers = new CredentialHelpers(List.of(bin.resolve("nowhere"), bin), Duration.ofSeconds(5));

        assertThat(helpers.get("store", "registry.example.com")).isInstanceOfSatisfying(
                CredentialHelpers.Answer.Credentials.class, c -> {
                    assertThat(c.username()).isEqualTo("ci");
                    assertThat(c.secret().reveal()).isEqualTo("s3");
                    assertThat(c.identityToken()).isFalse();
                    assertThat(c.toString()).doesNotContain("s3");
                });
        // Docker's convention: the user <token> means the secret is an identity token
        assertThat(helpers.get("store", "oauth.example.com")).isInstanceOfSatisfying(
                CredentialHelpers.Answer.Credentials.class, c -> {
                    assertThat(c.username()).isEmpty();
                    assertThat(c.identityToken()).isTrue();
                });
        assertThat(helpers.get("store", "other.example.com")).isInstanceOf(CredentialHelpers.Answer.NotFound.class);
        assertThat(Files.readAllLines(bin.resolve("calls"))).containsExactly("get registry.example.com",
                "get oauth.example.com", "get other.example.com");
    }

    @Test
    void listGivesTheServersAHelperHolds() throws Exception {
        helper("store", """
                [ "$1" = list ] || exit 2
                echo '{"https://index.docker.io/v1/":"hub","registry.example.com:5050":"ci"}'
                """);
        CredentialHelpers helpers = new CredentialHelpers(List.of(bin), Duration.ofSeconds(5));

        assertThat(helpers.list("store").value()).containsExactly("https://index.docker.io/v1/",
                "registry.example.com:5050");
    }

    @Test
    void failuresNameTheHelperAndNeverRepeatWhatItPrinted() throws Exception {
        helper("broken", "echo 'password=hunter2 is wrong'; exit 3\n");
        helper("garbled", "echo 'Secret: hunter2 {'\n");
        helper("hung", "exec sleep 60\n");
        CredentialHelpers helpers = new CredentialHelpers(List.of(bin), Duration.ofSeconds(1));

        assertThat(reason(helpers.get("broken", "r.io"))).isEqualTo("docker-credential-broken get exited with status 3");
        assertThat(reason(helpers.get("garbled", "r.io"))).isEqualTo("docker-credential-garbled get did not answer JSON");
        assertThat(helpers.list("broken").failure()).isEqualTo("docker-credential-broken list exited with status 3");
        long start = System.nanoTime();
        assertThat(reason(helpers.get("hung", "r.io"))).isEqualTo("docker-credential-hung get did not answer within"
                + " 1s");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        assertThat(reason(helpers.get("absent", "r.io"))).isEqualTo("docker-credential-absent is not on the runner's"
                + " PATH");
    }

    @Test
    void aHelperNameWithAPathInItIsNeverRun() throws Exception {
        helper("sub/evil", "touch \"$(dirname \"$0\")/evil-ran\"\n");
        CredentialHelpers helpers = new CredentialHelpers(List.of(bin), Duration.ofSeconds(5));

        for (String name : List.of("../bin/sh", "sub/evil", "/bin/sh", "a\\b", "", "-rf", "x y")) {
            assertThat(CredentialHelpers.refusal(name)).as(name).isNotNull();
            assertThat(helpers.get(name, "r.io")).as(name).isInstanceOf(CredentialHelpers.Answer.Failed.class);
        }
        assertThat(CredentialHelpers.refusal("../bin/sh")).isEqualTo("credential helper name '../bin/sh' is not a"
                + " plain name (a path is refused)");
        assertThat(CredentialHelpers.refusal("ecr-login")).isNull();
        assertThat(bin.resolve("docker-credential-sub/evil-ran")).doesNotExist();
    }

    private static String reason(CredentialHelpers.Answer answer) {
        assertThat(answer).isInstanceOf(CredentialHelpers.Answer.Failed.class);
        return ((CredentialHelpers.Answer.Failed) answer).reason();
    }

    private void helper(String name, String body) throws Exception {
        Path program = bin.resolve("docker-credential-" + name);
        Files.createDirectories(program.getParent());
        Files.writeString(program, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
