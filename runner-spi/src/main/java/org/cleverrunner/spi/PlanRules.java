package org.cleverrunner.spi;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The shapes a plan's names and revisions must have before they reach Docker, git or hg: checked once when the
 * engine plans a job and again by the executor, with the same rules in both places.
 */
public final class PlanRules {

    private static final Pattern HOST_NAME = Pattern.compile("[a-zA-Z0-9]([a-zA-Z0-9_.-]{0,61}[a-zA-Z0-9])?");
    private static final Pattern GIT_SHA = Pattern.compile("[0-9a-fA-F]{40}|[0-9a-fA-F]{64}");
    private static final Pattern HG_NODE = Pattern.compile("[0-9a-fA-F]{40}");

    private PlanRules() {
    }

    /** GitLab's image pull policies; image references have their own rules ({@link ImageReference}). */
    public static final List<String> PULL_POLICIES = List.of("always", "if-not-present", "never");

    /** A network alias: a DNS label-like host name. */
    public static boolean isHostName(String name) {
        return name != null && HOST_NAME.matcher(name).matches();
    }

    /** A full Git commit id (SHA-1 or SHA-256). */
    public static boolean isGitCommit(String revision) {
        return revision != null && GIT_SHA.matcher(revision).matches();
    }

    /** A full Mercurial changeset id. */
    public static boolean isHgNode(String revision) {
        return revision != null && HG_NODE.matcher(revision).matches();
    }
}
