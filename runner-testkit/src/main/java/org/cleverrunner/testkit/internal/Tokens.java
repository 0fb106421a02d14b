package org.cleverrunner.testkit.internal;

import java.security.SecureRandom;

/** Random tokens in GitLab's alphabet. */
public final class Tokens {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ALPHABET =
            "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-".toCharArray();

    private Tokens() {
    }

    /** {@code prefix} followed by {@code length} random characters from {@code [0-9A-Za-z_-]}. */
    public static String random(String prefix, int length) {
        StringBuilder token = new StringBuilder(prefix);
        for (int i = 0; i < length; i++) {
            token.append(ALPHABET[RANDOM.nextInt(ALPHABET.length)]);
        }
        return token.toString();
    }

    /** Random lower-case hex. */
    public static String hex(int length) {
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < length; i++) {
            hex.append(Character.forDigit(RANDOM.nextInt(16), 16));
        }
        return hex.toString();
    }
}
