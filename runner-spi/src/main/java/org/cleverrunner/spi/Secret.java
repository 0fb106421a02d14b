package org.cleverrunner.spi;

import java.util.Locale;
import java.util.Objects;

/**
 * A credential (gateway token, API secret…) that never prints itself: {@link #toString()} is masked, and the value
 * is read only through {@link #reveal()}, where it is sent.
 */
public final class Secret {

    public static final String MASK = "[MASKED]";

    private final String value;

    private Secret(String value) {
        this.value = Objects.requireNonNull(value, "value");
    }

    public static Secret of(String value) {
        return new Secret(value);
    }

    public String reveal() {
        return value;
    }

    /** Whether a configuration key names a secret (token, password, secret, key…), to mask it in dumps. */
    public static boolean looksSecret(String key) {
        String lower = key.toLowerCase(Locale.ROOT);
        return lower.contains("token") || lower.contains("password") || lower.contains("secret")
                || lower.endsWith("key") || lower.contains("credential");
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Secret secret && secret.value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    @Override
    public String toString() {
        return MASK;
    }
}
