package org.cleverrunner.coordinator.payload;

/** A registry credential; {@link #toString()} never shows the password. */
public record RegistryCredential(String type, String url, String username, String password) {
    @Override
    public String toString() {
        return "RegistryCredential[type=" + type + ", url=" + url + ", username=" + username + ", password=[MASKED]]";
    }
}
