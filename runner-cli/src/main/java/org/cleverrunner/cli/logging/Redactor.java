package org.cleverrunner.cli.logging;

import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.cleverrunner.coordinator.GitLabTokens;

/**
 * Masks credentials in text bound for a log: every GitLab token shape ({@link GitLabTokens#PREFIXES}:
 * {@code glrt-…}, {@code glpat-…}, the {@code GR1348941} registration prefix…) and every secret
 * {@linkplain #register registered} by the code that loaded it (the runner tokens of config.toml), wherever they
 * appear, and the credentials of URLs ({@code https://[MASKED]@host}). The prefix stays visible so that a reader can
 * still tell which kind of token it was.
 */
public final class Redactor {

    public static final String MASK = GitLabTokens.MASK;

    // Secrets shorter than this are not masked: masking "a" everywhere would destroy logs and hide nothing.
    private static final int MIN_SECRET_LENGTH = 6;

    private static final Set<String> SECRETS = ConcurrentHashMap.newKeySet();

    /** The user-info part of a URL ({@code https://user:password@host}), which carries a credential. */
    private static final Pattern URL_CREDENTIALS = Pattern.compile("\\b([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\\s]+@");

    private Redactor() {
    }

    /** Remembers a secret to mask in every later log line (e.g. a runner token read from the config). */
    public static void register(String secret) {
        if (secret != null && secret.length() >= MIN_SECRET_LENGTH) {
            SECRETS.add(secret);
        }
    }

    /** Forgets every registered secret; for tests. */
    public static void clear() {
        SECRETS.clear();
    }

    /** The text with every known secret and every token shape masked. */
    public static String redact(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String result = text;
        if (!SECRETS.isEmpty()) {
            // Longest first, so that a secret containing another one is masked whole.
            for (String secret : SECRETS.stream().sorted(Comparator.comparingInt(String::length).reversed()).toList()) {
                if (result.contains(secret)) {
                    result = result.replace(secret, MASK);
                }
            }
        }
        result = URL_CREDENTIALS.matcher(result).replaceAll("$1" + MASK + "@");
        return GitLabTokens.redact(result);
    }
}
