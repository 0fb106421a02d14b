package org.cleverrunner.coordinator;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;
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

    /** gitlab-runner's helpers/shorten_token.go (18.2): prefixes stripped in this order, each at the start. */
    private static final List<Pattern> SHORT_TOKEN_PREFIXES = List.of(
            Pattern.compile("^(?:glrt-(?:t[123]_)?|t[123]_|glrtr-)"), Pattern.compile("^glcbt-"),
            Pattern.compile("^GR[0-9A-Fa-f]{7}"));
    private static final int SHORT_TOKEN_LENGTH = 9;

    private GitLabTokens() {
    }

    /**
     * A runner's short token as gitlab-runner 18.2 and later compute it (cache object names, CI_RUNNER_SHORT_TOKEN,
     * the job log's header, the {@code runner} label of its metrics): the token without its {@code glrt-} (and
     * {@code t1_}…{@code t3_}), {@code glrtr-}, {@code glcbt-} or {@code GR…} prefix, cut to its first 9 characters,
     * case and characters kept.
     */
    public static String shortToken(String token) {
        String raw = Objects.requireNonNull(token, "token");
        for (Pattern prefix : SHORT_TOKEN_PREFIXES) {
            raw = prefix.matcher(raw).replaceFirst("");
        }
        return raw.length() <= SHORT_TOKEN_LENGTH ? raw : raw.substring(0, SHORT_TOKEN_LENGTH);
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
