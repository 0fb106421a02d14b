package org.cleverrunner.docker.internal.sources;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/** Removes credentials from text that leaves this package: URL userinfo and the known secret values. */
final class Redactor {

    private static final Pattern USERINFO = Pattern.compile("(?i)\\b([a-z][a-z0-9+.-]*://)[^/@\\s'\"]+@");

    private final List<String> secrets;

    Redactor(List<String> secrets) {
        // short values would blank out ordinary words; the job token is long
        this.secrets = secrets.stream().filter(Objects::nonNull).filter(s -> s.length() >= 4).toList();
    }

    static Redactor none() {
        return new Redactor(List.of());
    }

    String redact(String text) {
        String out = USERINFO.matcher(text).replaceAll("$1");
        for (String secret : secrets) {
            out = out.replace(secret, org.cleverrunner.spi.Secret.MASK);
        }
        return out;
    }
}
