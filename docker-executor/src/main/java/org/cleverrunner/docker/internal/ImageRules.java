package org.cleverrunner.docker.internal;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.cleverrunner.spi.PlanRules;

/**
 * The runner's rules for images, as GitLab Runner's {@code [runners.docker]} keys say them: {@code pull_policy}
 * (what a job that names none gets), {@code allowed_pull_policies} (what a job may ask for; by default the
 * runner's {@code pull_policy}), {@code allowed_images} and {@code allowed_services} (globs: {@code *} within a
 * path segment, {@code **} across them, as GitLab Runner's doublestar matching; the JDK's glob matcher does the
 * same). Results are values: a refusal is a line for the job's log that names the rule.
 */
public record ImageRules(List<String> pullPolicy, List<String> allowedPullPolicies, List<String> allowedImages,
        List<String> allowedServices) {

    /**
     * What a job gets when neither it nor the runner names a policy: if-not-present, where GitLab Runner's is
     * always (a job VM starts empty, and a local engine keeps its locally built images usable).
     */
    static final List<String> DEFAULT_POLICY = List.of("if-not-present");

    public ImageRules {
        pullPolicy = List.copyOf(Objects.requireNonNullElse(pullPolicy, List.of()));
        allowedPullPolicies = List.copyOf(Objects.requireNonNullElse(allowedPullPolicies, List.of()));
        allowedImages = List.copyOf(Objects.requireNonNullElse(allowedImages, List.of()));
        allowedServices = List.copyOf(Objects.requireNonNullElse(allowedServices, List.of()));
        for (List<String> policies : List.of(pullPolicy, allowedPullPolicies)) {
            for (String policy : policies) {
                if (!PlanRules.PULL_POLICIES.contains(policy)) {
                    throw new IllegalArgumentException("'" + policy + "' is not a pull policy ("
                            + String.join(", ", PlanRules.PULL_POLICIES) + ")");
                }
            }
        }
    }

    /** No rule: every image, and the job's policies or if-not-present. */
    public static final ImageRules NONE = new ImageRules(null, null, null, null);

    /** The policies to try in order for an image, or why the job's are refused. */
    record Policies(List<String> policies, String refusal) {
    }

    Policies policies(List<String> job) {
        List<String> fallback = pullPolicy.isEmpty() ? DEFAULT_POLICY : pullPolicy;
        if (job == null || job.isEmpty()) {
            return new Policies(fallback, null);
        }
        List<String> allowed = !allowedPullPolicies.isEmpty() ? allowedPullPolicies : pullPolicy;
        if (allowed.isEmpty()) {
            return new Policies(job, null);
        }
        List<String> kept = new ArrayList<>(job);
        kept.retainAll(allowed);
        if (kept.isEmpty()) {
            return new Policies(List.of(), "pull_policy " + job + " defined in the job is not one of the runner's"
                    + " allowed_pull_policies " + allowed);
        }
        return new Policies(kept, null);
    }

    /** Why the runner refuses an image (or a service's, with {@code service}), or null. */
    String refusal(String image, boolean service) {
        List<String> allowed = service ? allowedServices : allowedImages;
        if (allowed.isEmpty()) {
            return null;
        }
        for (String glob : allowed) {
            if (matches(glob, image)) {
                return null;
            }
        }
        return "the " + (service ? "service " : "image ") + "'" + image + "' is not on the runner's "
                + (service ? "allowed_services" : "allowed_images") + " (" + String.join(", ", allowed) + ")";
    }

    private static boolean matches(String glob, String image) {
        try {
            PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
            return matcher.matches(Path.of(image));
        } catch (IllegalArgumentException e) {
            // a glob that does not parse allows nothing (the config check reports it)
            return false;
        }
    }
}
