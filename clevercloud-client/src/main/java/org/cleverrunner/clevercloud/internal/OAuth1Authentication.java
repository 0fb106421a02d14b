package org.cleverrunner.clevercloud.internal;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.cleverrunner.clevercloud.CleverCloudAuthentication;
import org.cleverrunner.clevercloud.GitCredentials;
import org.cleverrunner.spi.Secret;

/**
 * OAuth1 as Clever Cloud takes it (DOC {@code content/api/howto.md}, clever-client.js, clevercloud-client-go).
 *
 * <ul>
 *   <li>PLAINTEXT, as clever-tools sends it: {@code OAuth oauth_consumer_key="CK", oauth_token="T",
 *       oauth_signature="pct(pct(CS)&pct(TS))"}, i.e. {@code CS%26TS} for the usual alphanumeric secrets.</li>
 *   <li>HMAC-SHA512: base string {@code METHOD&pct(scheme://host[:port]/path)&pct(sorted pct(k)=pct(v) joined by
 *       &)} over the oauth parameters (all but {@code oauth_signature}) and the query parameters; key
 *       {@code pct(CS)&pct(TS)}; signature {@code base64(HMAC-SHA512(key, base))}; header
 *       {@code OAuth k="pct(v)", …} in the order {@code oauth_consumer_key, oauth_nonce, oauth_signature,
 *       oauth_signature_method, oauth_timestamp, oauth_token, oauth_version}.</li>
 * </ul>
 */
public final class OAuth1Authentication implements CleverCloudAuthentication, SecretBearing {

    private enum Method { PLAINTEXT, HMAC_SHA512 }

    private final Method method;
    private final String consumerKey;
    private final Secret consumerSecret;
    private final Secret token;
    private final Secret tokenSecret;
    private final Supplier<String> nonces;
    private final Clock clock;
    private final URI apiUrl;
    private final String origin;

    private OAuth1Authentication(Method method, String consumerKey, Secret consumerSecret, Secret token,
            Secret tokenSecret, Supplier<String> nonces, Clock clock, URI apiUrl, String origin) {
        this.method = method;
        this.consumerKey = Objects.requireNonNull(consumerKey, "consumerKey");
        this.consumerSecret = Objects.requireNonNull(consumerSecret, "consumerSecret");
        this.token = Objects.requireNonNull(token, "token");
        this.tokenSecret = Objects.requireNonNull(tokenSecret, "tokenSecret");
        this.nonces = nonces;
        this.clock = clock;
        this.apiUrl = Objects.requireNonNull(apiUrl, "apiUrl");
        this.origin = origin;
    }

    public static OAuth1Authentication plaintext(String consumerKey, Secret consumerSecret, Secret token,
            Secret tokenSecret, URI apiUrl) {
        return new OAuth1Authentication(Method.PLAINTEXT, consumerKey, consumerSecret, token, tokenSecret, null, null,
                apiUrl, null);
    }

    public static OAuth1Authentication hmacSha512(String consumerKey, Secret consumerSecret, Secret token,
            Secret tokenSecret, Supplier<String> nonces, Clock clock, URI apiUrl) {
        return new OAuth1Authentication(Method.HMAC_SHA512, consumerKey, consumerSecret, token, tokenSecret,
                Objects.requireNonNull(nonces, "nonces"), Objects.requireNonNull(clock, "clock"), apiUrl, null);
    }

    /** The same credentials, noting where they came from (for {@link #describe()}). */
    OAuth1Authentication from(String where) {
        return new OAuth1Authentication(method, consumerKey, consumerSecret, token, tokenSecret, nonces, clock,
                apiUrl, where);
    }

    @Override
    public String authorization(String httpMethod, URI url) {
        if (method == Method.PLAINTEXT) {
            return "OAuth oauth_consumer_key=\"" + Percent.encode(consumerKey) + "\", oauth_token=\""
                    + Percent.encode(token.reveal()) + "\", oauth_signature=\"" + Percent.encode(signingKey()) + "\"";
        }
        String nonce = nonces.get();
        String timestamp = Long.toString(clock.instant().getEpochSecond());
        List<Map.Entry<String, String>> oauth = List.of(
                Map.entry("oauth_consumer_key", consumerKey),
                Map.entry("oauth_nonce", nonce),
                Map.entry("oauth_signature_method", "HMAC-SHA512"),
                Map.entry("oauth_timestamp", timestamp),
                Map.entry("oauth_token", token.reveal()),
                Map.entry("oauth_version", "1.0"));
        String signature = hmacSha512(signingKey(), baseString(httpMethod, url, oauth));
        return "OAuth oauth_consumer_key=\"" + Percent.encode(consumerKey)
                + "\", oauth_nonce=\"" + Percent.encode(nonce)
                + "\", oauth_signature=\"" + Percent.encode(signature)
                + "\", oauth_signature_method=\"HMAC-SHA512\""
                + ", oauth_timestamp=\"" + timestamp
                + "\", oauth_token=\"" + Percent.encode(token.reveal())
                + "\", oauth_version=\"1.0\"";
    }

    private String signingKey() {
        return Percent.encode(consumerSecret.reveal()) + "&" + Percent.encode(tokenSecret.reveal());
    }

    /**
     * The signature base string: {@code METHOD&pct(base URL)&pct(normalized parameters)}, the parameters being
     * {@code oauthParams} plus the URL's query parameters, each name and value percent-encoded, sorted by name then
     * value, joined as {@code k=v&k=v}.
     */
    public static String baseString(String httpMethod, URI url, List<Map.Entry<String, String>> oauthParams) {
        List<String[]> params = new ArrayList<>();
        for (Map.Entry<String, String> p : oauthParams) {
            params.add(new String[] {Percent.encode(p.getKey()), Percent.encode(p.getValue())});
        }
        String rawQuery = url.getRawQuery();
        if (rawQuery != null && !rawQuery.isEmpty()) {
            for (String pair : rawQuery.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String name = eq < 0 ? pair : pair.substring(0, eq);
                String value = eq < 0 ? "" : pair.substring(eq + 1);
                params.add(new String[] {Percent.encode(Percent.decode(name)), Percent.encode(Percent.decode(value))});
            }
        }
        params.sort(Comparator.<String[], String>comparing(p -> p[0]).thenComparing(p -> p[1]));
        StringBuilder normalized = new StringBuilder();
        for (String[] p : params) {
            if (normalized.length() > 0) {
                normalized.append('&');
            }
            normalized.append(p[0]).append('=').append(p[1]);
        }
        return httpMethod.toUpperCase(Locale.ROOT) + "&" + Percent.encode(baseUrl(url)) + "&"
                + Percent.encode(normalized.toString());
    }

    /** {@code scheme://host[:port]/path}: lower-case scheme and host, default ports dropped, no query. */
    public static String baseUrl(URI url) {
        String scheme = url.getScheme().toLowerCase(Locale.ROOT);
        String host = url.getHost().toLowerCase(Locale.ROOT);
        int port = url.getPort();
        boolean defaultPort = port < 0 || "https".equals(scheme) && port == 443 || "http".equals(scheme) && port == 80;
        String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        return scheme + "://" + host + (defaultPort ? "" : ":" + port) + path;
    }

    static String hmacSha512(String key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA512");
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA512"));
            return Base64.getEncoder().encodeToString(mac.doFinal(data.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA512 is not available", e);
        }
    }

    @Override
    public URI defaultApiUrl() {
        return apiUrl;
    }

    /** The same credentials against another API base (clever-tools' {@code API_HOST} override). */
    OAuth1Authentication withApiUrl(URI url) {
        return new OAuth1Authentication(method, consumerKey, consumerSecret, token, tokenSecret, nonces, clock, url,
                origin);
    }

    /** clever-tools pushes with the OAuth token as user and its secret as password. */
    @Override
    public java.util.Optional<GitCredentials> gitCredentials() {
        return java.util.Optional.of(new GitCredentials(token.reveal(), tokenSecret));
    }

    @Override
    public String describe() {
        return "OAuth1 " + (method == Method.PLAINTEXT ? "PLAINTEXT" : "HMAC-SHA512")
                + (origin == null ? "" : " (" + origin + ")");
    }

    @Override
    public List<String> secretValues() {
        return List.of(consumerSecret.reveal(), token.reveal(), tokenSecret.reveal());
    }

    @Override
    public String toString() {
        return "CleverCloudAuthentication[" + describe() + ", consumerKey=" + consumerKey + ", " + Secret.MASK + "]";
    }
}
