package org.cleverrunner.clevercloud;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A second, deliberately naive OAuth1 HMAC-SHA512 implementation (URLEncoder with the RFC 3986 fix-ups), to check
 * the client's header on a URL whose port is only known at run time. Only for ASCII names without duplicates.
 */
final class IndependentHmac {

    private IndependentHmac() {
    }

    static String pct(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("*", "%2A").replace("%7E", "~");
    }

    static String header(String method, String baseUrl, Map<String, String> query, String ck, String cs, String tk,
            String ts, String nonce, String timestamp) throws Exception {
        TreeMap<String, String> params = new TreeMap<>();
        query.forEach((k, v) -> params.put(pct(k), pct(v)));
        params.put("oauth_consumer_key", pct(ck));
        params.put("oauth_nonce", pct(nonce));
        params.put("oauth_signature_method", "HMAC-SHA512");
        params.put("oauth_timestamp", timestamp);
        params.put("oauth_token", pct(tk));
        params.put("oauth_version", "1.0");
        StringBuilder normalized = new StringBuilder();
        params.forEach((k, v) -> normalized.append(normalized.length() == 0 ? "" : "&").append(k).append('=').append(v));
        String base = method + "&" + pct(baseUrl) + "&" + pct(normalized.toString());
        Mac mac = Mac.getInstance("HmacSHA512");
        mac.init(new SecretKeySpec((pct(cs) + "&" + pct(ts)).getBytes(StandardCharsets.UTF_8), "HmacSHA512"));
        String signature = Base64.getEncoder().encodeToString(mac.doFinal(base.getBytes(StandardCharsets.UTF_8)));
        return "OAuth oauth_consumer_key=\"" + pct(ck) + "\", oauth_nonce=\"" + pct(nonce) + "\", oauth_signature=\""
                + pct(signature) + "\", oauth_signature_method=\"HMAC-SHA512\", oauth_timestamp=\"" + timestamp
                + "\", oauth_token=\"" + pct(tk) + "\", oauth_version=\"1.0\"";
    }
}
