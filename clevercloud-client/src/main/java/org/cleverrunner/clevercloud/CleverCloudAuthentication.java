package org.cleverrunner.clevercloud;

import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.cleverrunner.clevercloud.internal.CleverToolsCredentials;
import org.cleverrunner.clevercloud.internal.HeaderAuthentication;
import org.cleverrunner.clevercloud.internal.OAuth1Authentication;
import org.cleverrunner.spi.Secret;

/**
 * How calls are authenticated: computes the {@code Authorization} header of each attempt (OAuth1 signatures cover
 * the method and URL, and take a fresh nonce and timestamp per attempt) and names the API host the credential
 * belongs to. Implementations never reveal a credential in {@code toString()}.
 */
public interface CleverCloudAuthentication {

    /** The API host for OAuth1 and {@code token} credentials. */
    URI API_URL = URI.create("https://api.clever-cloud.com");

    /** The API bridge, where API tokens (Bearer) must be used. */
    URI API_BRIDGE_URL = URI.create("https://api-bridge.clever-cloud.com");

    /** clever-tools' public OAuth1 consumer key ("disclosure … is not considered as a vulnerability"). */
    String CLEVER_TOOLS_CONSUMER_KEY = "T5nFjKeHH4AIlEveuGhB5S3xg8T19e";

    /** clever-tools' public OAuth1 consumer secret. */
    String CLEVER_TOOLS_CONSUMER_SECRET = "MgVMqTr6fWlf2M0tkC2MXOnhfqBWDT";

    /** The value of the {@code Authorization} header for one attempt of {@code method} on {@code url}. */
    String authorization(String method, URI url);

    /** The API base this credential is meant for; the client's default {@code apiUrl}. */
    default URI defaultApiUrl() {
        return API_URL;
    }

    /** A short description for logs, without any credential (e.g. {@code "OAuth1 HMAC-SHA512"}). */
    String describe();

    /**
     * The credentials of git pushes to deployment repositories that go with these API credentials: OAuth1's token
     * and token secret (as clever-tools pushes), the organisation token with user {@code Jenkins} (as the Heptapod
     * PaaS runner pushed); none for an API token, which no source says a push accepts.
     */
    default java.util.Optional<GitCredentials> gitCredentials() {
        return java.util.Optional.empty();
    }

    /** An API token: {@code Authorization: Bearer <token>}, against {@link #API_BRIDGE_URL}. */
    static CleverCloudAuthentication apiToken(Secret token) {
        return new HeaderAuthentication("Bearer", token, API_BRIDGE_URL, "API token (Bearer)", null);
    }

    /** The Heptapod PaaS runner's per-organisation token: {@code Authorization: token <value>}. */
    static CleverCloudAuthentication tokenScheme(Secret token) {
        return new HeaderAuthentication("token", token, API_URL, "token scheme", "Jenkins");
    }

    /**
     * OAuth1 PLAINTEXT as clever-tools and clever-client.js send it: {@code OAuth oauth_consumer_key="…",
     * oauth_token="…", oauth_signature="<consumerSecret>%26<tokenSecret>"} (no method, nonce, timestamp or version).
     */
    static CleverCloudAuthentication oauth1Plaintext(String consumerKey, Secret consumerSecret, Secret token,
            Secret tokenSecret) {
        return OAuth1Authentication.plaintext(consumerKey, consumerSecret, token, tokenSecret, API_URL);
    }

    /** OAuth1 HMAC-SHA512 (the documented, recommended method), with random 48-character nonces and the UTC clock. */
    static CleverCloudAuthentication oauth1HmacSha512(String consumerKey, Secret consumerSecret, Secret token,
            Secret tokenSecret) {
        return oauth1HmacSha512(consumerKey, consumerSecret, token, tokenSecret, randomNonces(), Clock.systemUTC());
    }

    /** OAuth1 HMAC-SHA512 with the given nonce source and clock (for tests and known vectors). */
    static CleverCloudAuthentication oauth1HmacSha512(String consumerKey, Secret consumerSecret, Secret token,
            Secret tokenSecret, Supplier<String> nonces, Clock clock) {
        return OAuth1Authentication.hmacSha512(consumerKey, consumerSecret, token, tokenSecret, nonces, clock,
                API_URL);
    }

    /**
     * clever-tools' credentials from the process environment and its default config file
     * ({@code $XDG_CONFIG_HOME/clever-cloud/clever-tools.json}, else {@code ~/.config/clever-cloud/…}).
     */
    static CleverCloudAuthentication fromCleverTools() {
        Map<String, String> env = System.getenv();
        return fromCleverTools(env, CleverToolsCredentials.defaultConfigFile(env));
    }

    /**
     * clever-tools' credentials: {@code CLEVER_TOKEN} and {@code CLEVER_SECRET} when both are set in {@code env},
     * else the active profile ({@code profiles[0]}) of {@code configFile}, or its legacy top-level
     * {@code token}/{@code secret}. The consumer key and secret are clever-tools' own, unless
     * {@code OAUTH_CONSUMER_KEY}/{@code OAUTH_CONSUMER_SECRET} are set in {@code env} or in the profile's
     * {@code overrides} (which may also set {@code API_HOST}). Signs with PLAINTEXT, as clever-tools does.
     *
     * @throws CleverCloudException when neither source holds credentials, or the file is unreadable
     */
    static CleverCloudAuthentication fromCleverTools(Map<String, String> env, Path configFile) {
        return CleverToolsCredentials.load(Objects.requireNonNull(env, "env"), configFile);
    }

    /** 48 alphanumeric characters from a {@link SecureRandom}, as the Go client makes them. */
    static Supplier<String> randomNonces() {
        SecureRandom random = new SecureRandom();
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        return () -> {
            StringBuilder nonce = new StringBuilder(48);
            for (int i = 0; i < 48; i++) {
                nonce.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            return nonce.toString();
        };
    }
}
