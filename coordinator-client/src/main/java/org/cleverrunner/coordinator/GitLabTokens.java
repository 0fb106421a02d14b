package org.cleverrunner.coordinator;

import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * GitLab's token prefixes, the one list every redactor of this project uses (the coordinator client's, the CLI's
 * log layouts, the job trace's default masking), and a helper that masks every token of those shapes.
 *
 * <p>The list is the union of GitLab's token overview ("Token prefixes") and of gitlab-runner's default masking
 * ({@code FF_MASK_ALL_DEFAULT_TOKENS}): personal/project/group access tokens {@code glpat-}, OAuth application
 * secrets {@code gloas-}, deploy tokens {@code gldt-}, runner authentication tokens {@code glrt-} and their routable
 * form {@code glrtr-}, CI/CD job tokens {@code glcbt-}, pipeline trigger tokens {@code glptt-}, feed tokens
 * {@code glft-}, incoming mail tokens {@code glimt-}, agent for Kubernetes tokens {@code glagent-}, SCIM tokens
 * {@code glsoat-}, feature flags client tokens {@code glffct-}, {@code gltok-}, workload identity tokens
 * {@code glwt-}, the legacy runner registration token prefix {@code GR1348941} and the session cookie
 * {@code _gitlab_session=}.
 */
public final class GitLabTokens {

    /** Every known prefix, as GitLab writes it. */
    public static final List<String> PREFIXES = List.of("glpat-", "gloas-", "gldt-", "glrt-", "glrtr-", "glcbt-",
            "glptt-", "glft-", "glimt-", "glagent-", "glsoat-", "glffct-", "gltok-", "glwt-", "GR1348941",
            "_gitlab_session=");

    /** The characters a token is made of after its prefix (gitlab-runner's token alphabet). */
    public static final String TOKEN_CHARACTERS = "[0-9A-Za-z_.=-]";

    /** What replaces a secret. */
    public static final String MASK = "[MASKED]";

    // Longest prefix first, so that glrtr- is never read as glrt- followed by "r-…".
    private static final Pattern TOKEN = Pattern.compile("(" + PREFIXES.stream()
            .sorted(Comparator.comparingInt(String::length).reversed()).map(Pattern::quote)
            .collect(Collectors.joining("|")) + ")" + TOKEN_CHARACTERS + "+");

    private GitLabTokens() {
    }

    /** Matches a whole token; group 1 is its prefix. */
    public static Pattern pattern() {
        return TOKEN;
    }

    /** Whether the text holds a token of a known shape. */
    public static boolean containsToken(String text) {
        return text != null && TOKEN.matcher(text).find();
    }

    /**
     * The text with every token of a known shape masked, its prefix kept so that a reader can still tell which kind
     * of token it was: {@code glrt-abc123} becomes {@code glrt-[MASKED]}.
     */
    public static String redact(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        Matcher matcher = TOKEN.matcher(text);
        if (!matcher.find()) {
            return text;
        }
        StringBuilder masked = new StringBuilder(text.length());
        do {
            matcher.appendReplacement(masked, Matcher.quoteReplacement(matcher.group(1) + MASK));
        } while (matcher.find());
        matcher.appendTail(masked);
        return masked.toString();
    }
}
