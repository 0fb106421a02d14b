package org.cleverrunner.core;

import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Variable expansion as GitLab Runner does it on the runner side (Go's {@code os.Expand} with the job's variables):
 * {@code $VAR} and {@code ${VAR}} are replaced by the variable's value, unknown variables by nothing, {@code $$} by a
 * single {@code $}. Shell specials ({@code $1}, {@code $?}, {@code $@}…) and a {@code $} followed by anything else
 * are kept as written, so scripts' own shell syntax survives. One level only: values substituted are not expanded
 * again.
 */
public final class Variables {

    private static final Pattern KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private Variables() {
    }

    /** Whether {@code key} is a valid variable name: {@code [A-Za-z_][A-Za-z0-9_]*}. */
    public static boolean isValidKey(String key) {
        return key != null && KEY.matcher(key).matches();
    }

    public static String expand(String text, Map<String, String> values) {
        Objects.requireNonNull(values, "values");
        if (text == null || text.indexOf('$') < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (c != '$' || i + 1 == n) {
                out.append(c);
                i++;
                continue;
            }
            char next = text.charAt(i + 1);
            if (next == '$') {
                out.append('$');
                i += 2;
            } else if (next == '{') {
                int close = text.indexOf('}', i + 2);
                String name = close < 0 ? null : text.substring(i + 2, close);
                if (name != null && isValidKey(name)) {
                    out.append(values.getOrDefault(name, ""));
                    i = close + 1;
                } else {
                    // not a variable reference (unclosed, empty or shell syntax such as ${#x}): keep it
                    out.append(c);
                    i++;
                }
            } else if (isNameStart(next)) {
                int end = i + 2;
                while (end < n && isNamePart(text.charAt(end))) {
                    end++;
                }
                out.append(values.getOrDefault(text.substring(i + 1, end), ""));
                i = end;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private static boolean isNameStart(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    }

    private static boolean isNamePart(char c) {
        return isNameStart(c) || (c >= '0' && c <= '9');
    }
}
