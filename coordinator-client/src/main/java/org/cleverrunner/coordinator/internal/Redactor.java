package org.cleverrunner.coordinator.internal;

import java.util.regex.Pattern;

/**
 * Masks what must never leave the process in a log line or an exception: GitLab token shapes and the user
 * information of URLs. Used on every body excerpt and message the client builds from a response.
 */
public final class Redactor {

    public static final String MASK = "[MASKED]";

    // GitLab's token prefixes (runner, CI job, PAT, OAuth, deploy, feed, trigger…) and the token alphabet.
    private static final Pattern TOKENS = Pattern.compile(
            "(?:glpat-|gloas-|gldt-|glrtr-|glrt-|glcbt-|glptt-|glft-|glimt-|glagent-|glsoat-|glffct-|gltok-"
                    + "|_gitlab_session=|GR1348941)[0-9A-Za-z_.=-]+");
    private static final Pattern URL_USERINFO = Pattern.compile("([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\\s\"']+@");
    private static final Pattern TOKEN_FIELDS = Pattern.compile(
            "(\"(?:token|password|secret|authorization)\"\\s*:\\s*\")[^\"]*(\")", Pattern.CASE_INSENSITIVE);

    private Redactor() {
    }

    /** The text with token-shaped values, JSON token fields and URL credentials masked. */
    public static String redact(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String masked = TOKENS.matcher(text).replaceAll(MASK);
        masked = URL_USERINFO.matcher(masked).replaceAll("$1" + MASK + "@");
        return TOKEN_FIELDS.matcher(masked).replaceAll("$1" + MASK + "$2");
    }

    /** The same, also masking the given secrets wherever they appear (tokens without a known prefix). */
    public static String redact(String text, String... secrets) {
        String masked = text;
        if (masked != null) {
            for (String secret : secrets) {
                if (secret != null && secret.length() >= 4) {
                    masked = masked.replace(secret, MASK);
                }
            }
        }
        return redact(masked);
    }

    /** A short, single-line excerpt of a body for error messages, secrets masked. */
    public static String excerpt(byte[] body, int maxChars, String... secrets) {
        if (body == null || body.length == 0) {
            return "";
        }
        String text = new String(body, 0, Math.min(body.length, maxChars * 4), java.nio.charset.StandardCharsets.UTF_8);
        text = redact(text, secrets).replaceAll("\\s+", " ").strip();
        return text.length() > maxChars ? text.substring(0, maxChars) + "…" : text;
    }
}
