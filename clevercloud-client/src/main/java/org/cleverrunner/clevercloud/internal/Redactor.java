package org.cleverrunner.clevercloud.internal;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.regex.Pattern;

/**
 * Masks what must never leave the process in a log line or an exception: the client's credentials wherever they
 * appear, secret-looking JSON fields (tokens, secrets, passwords, webhook secrets, environment values) and the user
 * information of URLs (git remotes with a token as password).
 */
public final class Redactor {

    public static final String MASK = "[MASKED]";

    private static final Pattern URL_USERINFO = Pattern.compile("([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\\s\"']+@");
    private static final Pattern SECRET_FIELDS = Pattern.compile(
            "(\"(?:token|secret|password|authorization|webhookSecret|value|oauth_token|oauth_signature)\"\\s*:\\s*\")"
                    + "(?:[^\"\\\\]|\\\\.)*(\")",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern OAUTH_HEADER = Pattern.compile("(?i)(oauth_(?:token|signature)=\"?)[^\",\\s]*");
    private static final Pattern BEARER = Pattern.compile("(?i)\\b(Bearer|token)\\s+[A-Za-z0-9._~+/=-]{8,}");

    private Redactor() {
    }

    public static String redact(String text, Collection<String> secrets) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String masked = text;
        for (String secret : secrets) {
            if (secret != null && secret.length() >= 4) {
                masked = masked.replace(secret, MASK);
            }
        }
        masked = URL_USERINFO.matcher(masked).replaceAll("$1" + MASK + "@");
        masked = SECRET_FIELDS.matcher(masked).replaceAll("$1" + MASK + "$2");
        masked = OAUTH_HEADER.matcher(masked).replaceAll("$1" + MASK);
        return BEARER.matcher(masked).replaceAll("$1 " + MASK);
    }

    /** A short, single-line excerpt of a body, masked. */
    public static String excerpt(byte[] body, int maxChars, Collection<String> secrets) {
        if (body == null || body.length == 0) {
            return "";
        }
        String text = new String(body, 0, Math.min(body.length, maxChars * 4), StandardCharsets.UTF_8);
        text = redact(text, secrets).replaceAll("\\s+", " ").strip();
        return text.length() > maxChars ? text.substring(0, maxChars) + "…" : text;
    }
}
