package org.cleverrunner.coordinator.internal;

import java.util.regex.Pattern;
import org.cleverrunner.coordinator.GitLabTokens;

/**
 * Masks what must never leave the process in a log line or an exception: GitLab token shapes and the user
 * information of URLs. Used on every body excerpt and message the client builds from a response. The token shapes
 * are {@link GitLabTokens#PREFIXES}.
 */
public final class Redactor {

    public static final String MASK = GitLabTokens.MASK;

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
        // GitLab token shapes: the one public list, GitLabTokens.PREFIXES
        String masked = GitLabTokens.redact(text);
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
