package org.cleverrunner.docker.internal;

/** GitLab's {@code when} of caches and artifacts: on_success (the default), on_failure, always. */
final class Rules {

    private Rules() {
    }

    static boolean applies(String when, boolean succeeded) {
        return switch (when == null ? "on_success" : when) {
            case "always" -> true;
            case "on_failure" -> !succeeded;
            default -> succeeded;
        };
    }
}
