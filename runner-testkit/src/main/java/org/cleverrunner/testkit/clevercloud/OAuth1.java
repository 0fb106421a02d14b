package org.cleverrunner.testkit.clevercloud;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** OAuth 1.0a header parsing and signature checks (RFC 5849), as Clever Cloud's API accepts them. */
final class OAuth1 {

    private static final Pattern PARAM = Pattern.compile("([A-Za-z0-9_]+)\\s*=\\s*\"([^\"]*)\"");

    private OAuth1() {
    }

    /** The header's parameters, percent-decoded; null when it is not an OAuth header. */
    static Map<String, String> parse(String header) {
        if (header == null || !header.regionMatches(true, 0, "OAuth ", 0, 6)) {
            return null;
        }
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = PARAM.matcher(header.substring(6));
        while (m.find()) {
            out.put(m.group(1), decode(m.group(2)));
        }
        return out;
    }

    /** RFC 3986 percent-encoding of unreserved characters only, as OAuth requires. */
    static String pct(String s) {
        StringBuilder b = new StringBuilder();
        for (byte c : s.getBytes(StandardCharsets.UTF_8)) {
            int ch = c & 0xff;
            if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')
                    || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
                b.append((char) ch);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(ch >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(ch & 15, 16)));
            }
        }
        return b.toString();
    }

    static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** The signing key {@code pct(consumerSecret)&pct(tokenSecret)}, which is also the PLAINTEXT signature. */
    static String key(String consumerSecret, String tokenSecret) {
        return pct(consumerSecret) + "&" + pct(tokenSecret);
    }

    /**
     * The signature base string {@code METHOD&pct(url)&pct(sorted params)}: the OAuth parameters except
     * {@code oauth_signature} (and {@code realm}) plus the given query parameters.
     */
    static String baseString(String method, String baseUrl, Map<String, String> oauth, List<String[]> query) {
        List<String[]> params = new ArrayList<>();
        oauth.forEach((k, v) -> {
            if (!k.equals("oauth_signature") && !k.equals("realm")) {
                params.add(new String[] {pct(k), pct(v)});
            }
        });
        for (String[] q : query) {
            params.add(new String[] {pct(q[0]), pct(q[1])});
        }
        params.sort((a, b) -> a[0].equals(b[0]) ? a[1].compareTo(b[1]) : a[0].compareTo(b[0]));
        StringBuilder joined = new StringBuilder();
        for (String[] p : params) {
            if (joined.length() > 0) {
                joined.append('&');
            }
            joined.append(p[0]).append('=').append(p[1]);
        }
        return method.toUpperCase() + "&" + pct(baseUrl) + "&" + pct(joined.toString());
    }

    static String sign(String algorithm, String key, String base) {
        try {
            Mac mac = Mac.getInstance(algorithm);
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), algorithm));
            return Base64.getEncoder().encodeToString(mac.doFinal(base.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(algorithm, e);
        }
    }

    /** Constant-time comparison. */
    static boolean same(String a, String b) {
        return a != null && b != null
                && MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    /** Decoded query parameters, in order. */
    static List<String[]> query(String rawQuery) {
        List<String[]> out = new ArrayList<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return out;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            out.add(new String[] {decode(eq < 0 ? pair : pair.substring(0, eq)), eq < 0 ? "" : decode(pair.substring(eq + 1))});
        }
        return out;
    }
}
