package org.cleverrunner.clevercloud;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.cleverrunner.spi.Secret;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthenticationTest {

    static final String CK = CleverCloudAuthentication.CLEVER_TOOLS_CONSUMER_KEY;
    static final Secret CS = Secret.of(CleverCloudAuthentication.CLEVER_TOOLS_CONSUMER_SECRET);
    static final Secret TOKEN = Secret.of("tok3n-Example");
    static final Secret TOKEN_SECRET = Secret.of("s3cret/with+special&chars");
    static final String NONCE = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL";
    static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1767225600L), ZoneOffset.UTC);

    /**
     * Known vector: the base string was percent-encoded with Python's urllib.parse.quote(s, safe='-._~') and signed
     * with {@code openssl dgst -sha512 -hmac "$(cat key)" -binary base | base64}, where base is
     * <pre>GET&https%3A%2F%2Fapi.clever-cloud.com%2Fv2%2Forganisations%2Forga_123%2Fapplications%2Fapp_456%2Fdeployments
     * &action%3DDEPLOY%2520NOW%26limit%3D5%26oauth_consumer_key%3DT5nFjKeHH4AIlEveuGhB5S3xg8T19e%26oauth_nonce%3D0123
     * 456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL%26oauth_signature_method%3DHMAC-SHA512%26oauth_timestamp%3D17672256
     * 00%26oauth_token%3Dtok3n-Example%26oauth_version%3D1.0</pre> (one line) and the key
     * {@code MgVMqTr6fWlf2M0tkC2MXOnhfqBWDT&s3cret%2Fwith%2Bspecial%26chars}.
     */
    static final String KNOWN_SIGNATURE =
            "pjVvjHy/yqCXCrh03zMjpDw/JNHbsAMpEdmV7wZqsjNTFucDyWkZBUBAhVbCoBdJ8ofqAcZmXvu1dS5SskAdCw==";
    static final String KNOWN_HEADER = "OAuth oauth_consumer_key=\"T5nFjKeHH4AIlEveuGhB5S3xg8T19e\", "
            + "oauth_nonce=\"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL\", "
            + "oauth_signature=\"pjVvjHy%2FyqCXCrh03zMjpDw%2FJNHbsAMpEdmV7wZqsjNTFucDyWkZBUBAhVbCoBdJ8ofqAcZmXvu1dS5SskAdCw%3D%3D\", "
            + "oauth_signature_method=\"HMAC-SHA512\", oauth_timestamp=\"1767225600\", oauth_token=\"tok3n-Example\", "
            + "oauth_version=\"1.0\"";

    @Test
    void hmacSha512MatchesTheKnownVector() {
        CleverCloudAuthentication auth = CleverCloudAuthentication.oauth1HmacSha512(CK, CS, TOKEN, TOKEN_SECRET,
                () -> NONCE, CLOCK);
        String header = auth.authorization("GET", URI.create(
                "https://api.clever-cloud.com/v2/organisations/orga_123/applications/app_456/deployments"
                        + "?limit=5&action=DEPLOY%20NOW"));
        assertThat(header).isEqualTo(KNOWN_HEADER);
        assertThat(header).contains(java.net.URLEncoder.encode(KNOWN_SIGNATURE, java.nio.charset.StandardCharsets.UTF_8));
        // The default port, upper-case host and lower-case method change nothing: the base URL is normalised.
        assertThat(auth.authorization("get", URI.create("HTTPS://API.clever-cloud.com:443/v2/organisations/orga_123/"
                + "applications/app_456/deployments?action=DEPLOY%20NOW&limit=5"))).isEqualTo(KNOWN_HEADER);
        // Another query changes the signature: query parameters are signed.
        assertThat(auth.authorization("GET", URI.create(
                "https://api.clever-cloud.com/v2/organisations/orga_123/applications/app_456/deployments?limit=6")))
                .isNotEqualTo(KNOWN_HEADER);
    }

    @Test
    void plaintextIsWhatCleverToolsSends() {
        CleverCloudAuthentication auth = CleverCloudAuthentication.oauth1Plaintext(CK, CS, Secret.of("tokenvalue"),
                Secret.of("tokensecret"));
        assertThat(auth.authorization("POST", URI.create("https://api.clever-cloud.com/v2/self")))
                .isEqualTo("OAuth oauth_consumer_key=\"T5nFjKeHH4AIlEveuGhB5S3xg8T19e\", oauth_token=\"tokenvalue\", "
                        + "oauth_signature=\"MgVMqTr6fWlf2M0tkC2MXOnhfqBWDT%26tokensecret\"");
        assertThat(auth.defaultApiUrl()).isEqualTo(URI.create("https://api.clever-cloud.com"));
        // Special characters: pct(pct(cs) & pct(ts)).
        assertThat(CleverCloudAuthentication.oauth1Plaintext("ck", Secret.of("a b"), Secret.of("t"), Secret.of("c&d"))
                .authorization("GET", URI.create("https://x/")))
                .endsWith("oauth_signature=\"a%2520b%26c%2526d\"");
    }

    @Test
    void bearerGoesToTheBridgeAndTokenSchemeToTheApi() {
        CleverCloudAuthentication bearer = CleverCloudAuthentication.apiToken(Secret.of("api-token-123"));
        assertThat(bearer.authorization("GET", URI.create("https://x/"))).isEqualTo("Bearer api-token-123");
        assertThat(bearer.defaultApiUrl()).isEqualTo(URI.create("https://api-bridge.clever-cloud.com"));
        CleverCloudAuthentication token = CleverCloudAuthentication.tokenScheme(Secret.of("clever-orga-deploying-token"));
        assertThat(token.authorization("GET", URI.create("https://x/"))).isEqualTo("token clever-orga-deploying-token");
        assertThat(token.defaultApiUrl()).isEqualTo(URI.create("https://api.clever-cloud.com"));
    }

    @Test
    void noCredentialInToString() {
        for (CleverCloudAuthentication auth : new CleverCloudAuthentication[] {
                CleverCloudAuthentication.apiToken(Secret.of("api-token-123")),
                CleverCloudAuthentication.tokenScheme(Secret.of("orga-token-456")),
                CleverCloudAuthentication.oauth1Plaintext(CK, CS, TOKEN, TOKEN_SECRET),
                CleverCloudAuthentication.oauth1HmacSha512(CK, CS, TOKEN, TOKEN_SECRET)}) {
            assertThat(auth.toString() + auth.describe()).doesNotContain("api-token-123", "orga-token-456",
                    TOKEN.reveal(), TOKEN_SECRET.reveal(), CS.reveal());
        }
    }

    @Test
    void randomNoncesAre48Alphanumerics() {
        String nonce = CleverCloudAuthentication.randomNonces().get();
        assertThat(nonce).matches("[A-Za-z0-9]{48}");
        assertThat(CleverCloudAuthentication.randomNonces().get()).isNotEqualTo(nonce);
    }

    // ------------------------------------------------------------------ clever-tools

    @Test
    void cleverToolsEnvironmentWinsOverTheFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("clever-tools.json");
        Files.writeString(file, "{\"version\":1,\"profiles\":[{\"alias\":\"default\",\"token\":\"filetoken\","
                + "\"secret\":\"filesecret\"}]}");
        CleverCloudAuthentication auth = CleverCloudAuthentication.fromCleverTools(
                Map.of("CLEVER_TOKEN", "envtoken", "CLEVER_SECRET", "envsecret"), file);
        assertThat(auth.authorization("GET", URI.create("https://api.clever-cloud.com/v2/self")))
                .isEqualTo("OAuth oauth_consumer_key=\"T5nFjKeHH4AIlEveuGhB5S3xg8T19e\", oauth_token=\"envtoken\", "
                        + "oauth_signature=\"MgVMqTr6fWlf2M0tkC2MXOnhfqBWDT%26envsecret\"");
        assertThat(auth.describe()).contains("CLEVER_TOKEN").doesNotContain("envtoken", "envsecret");
    }

    @Test
    void cleverToolsProfileWithOverrides(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("clever-tools.json");
        Files.writeString(file, "{\"version\":1,\"profiles\":[{\"alias\":\"work\",\"token\":\"filetoken\","
                + "\"secret\":\"filesecret\",\"expirationDate\":\"2026-10-01T00:00:00.000Z\",\"userId\":\"user_1\","
                + "\"email\":\"a@example.com\",\"overrides\":{\"API_HOST\":\"https://api.example.test\","
                + "\"OAUTH_CONSUMER_KEY\":\"myck\",\"OAUTH_CONSUMER_SECRET\":\"mycs\"}},"
                + "{\"alias\":\"other\",\"token\":\"no\",\"secret\":\"no\"}]}");
        CleverCloudAuthentication auth = CleverCloudAuthentication.fromCleverTools(Map.of("CLEVER_TOKEN", "only"),
                file);
        assertThat(auth.authorization("GET", URI.create("https://api.example.test/v2/self")))
                .isEqualTo("OAuth oauth_consumer_key=\"myck\", oauth_token=\"filetoken\", "
                        + "oauth_signature=\"mycs%26filesecret\"");
        assertThat(auth.defaultApiUrl()).isEqualTo(URI.create("https://api.example.test"));
        assertThat(auth.describe()).contains("'work'");
    }

    @Test
    void cleverToolsLegacyFileAndConsumerFromEnv(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("clever-tools.json");
        Files.writeString(file, "{\"token\":\"legacytoken\",\"secret\":\"legacysecret\",\"expirationDate\":\"x\"}");
        CleverCloudAuthentication auth = CleverCloudAuthentication.fromCleverTools(
                Map.of("OAUTH_CONSUMER_KEY", "envck", "OAUTH_CONSUMER_SECRET", "envcs"), file);
        assertThat(auth.authorization("GET", URI.create("https://api.clever-cloud.com/v2/self")))
                .isEqualTo("OAuth oauth_consumer_key=\"envck\", oauth_token=\"legacytoken\", "
                        + "oauth_signature=\"envcs%26legacysecret\"");
    }

    @Test
    void cleverToolsMissingOrBrokenFile(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> CleverCloudAuthentication.fromCleverTools(Map.of(), dir.resolve("none.json")))
                .isInstanceOf(CleverCloudException.class).hasMessageContaining("clever login");
        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{\"token\":\"brokentoken\",\"secret\":");
        assertThatThrownBy(() -> CleverCloudAuthentication.fromCleverTools(Map.of(), broken))
                .isInstanceOf(CleverCloudException.class).hasMessageContaining("not valid JSON")
                .hasMessageNotContaining("brokentoken").hasNoCause();
        Path empty = dir.resolve("empty.json");
        Files.writeString(empty, "{\"version\":1,\"profiles\":[]}");
        assertThatThrownBy(() -> CleverCloudAuthentication.fromCleverTools(Map.of(), empty))
                .isInstanceOf(CleverCloudException.class).hasMessageContaining("no profile");
    }

    @Test
    void defaultConfigFileFollowsXdg() {
        assertThat(org.cleverrunner.clevercloud.internal.CleverToolsCredentials.defaultConfigFile(
                Map.of("XDG_CONFIG_HOME", "/tmp/xdg"))).isEqualTo(Path.of("/tmp/xdg/clever-cloud/clever-tools.json"));
        assertThat(org.cleverrunner.clevercloud.internal.CleverToolsCredentials.defaultConfigFile(Map.of()))
                .isEqualTo(Path.of(System.getProperty("user.home"), ".config", "clever-cloud", "clever-tools.json"));
    }
}
