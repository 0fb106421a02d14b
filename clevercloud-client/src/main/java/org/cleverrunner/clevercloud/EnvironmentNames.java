package org.cleverrunner.clevercloud;

import java.util.regex.Pattern;

/** Environment variable names as Clever Cloud accepts them: {@code ^[a-zA-Z0-9-_.]+$}. */
final class EnvironmentNames {

    private static final Pattern VALID = Pattern.compile("[a-zA-Z0-9_.-]+");

    private EnvironmentNames() {
    }

    static String check(String name) {
        if (name == null || !VALID.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid environment variable name (allowed: letters, digits, - _ .): "
                    + (name == null ? "null" : "'" + name + "'"));
        }
        return name;
    }
}
