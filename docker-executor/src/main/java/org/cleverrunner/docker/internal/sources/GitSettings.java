package org.cleverrunner.docker.internal.sources;

import org.cleverrunner.spi.JobPlan;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The job's {@code GIT_*} variables, checked.
 *
 * @param strategy clone, fetch or none ({@code GIT_STRATEGY}, default fetch)
 * @param depth the fetch depth, 0 = full history ({@code GIT_DEPTH}, else the payload's depth)
 * @param checkout false skips checkout, clean and submodules ({@code GIT_CHECKOUT})
 * @param cleanFlags arguments of {@code git clean}, empty = no clean ({@code GIT_CLEAN_FLAGS}, default -ffdx,
 *     {@code none} disables)
 * @param submodules none, normal or recursive ({@code GIT_SUBMODULE_STRATEGY}, default none)
 * @param submoduleDepth {@code --depth} for submodules, 0 = none given ({@code GIT_SUBMODULE_DEPTH})
 */
record GitSettings(Strategy strategy, int depth, boolean checkout, List<String> cleanFlags,
        Submodules submodules, int submoduleDepth) {

    enum Strategy { CLONE, FETCH, NONE }

    enum Submodules { NONE, NORMAL, RECURSIVE }

    static GitSettings of(JobPlan plan) {
        Strategy strategy = switch (lower(plan.variable("GIT_STRATEGY")).orElse("fetch")) {
            case "clone" -> Strategy.CLONE;
            case "fetch" -> Strategy.FETCH;
            case "none", "empty" -> Strategy.NONE;
            default -> throw invalid("GIT_STRATEGY", plan.variable("GIT_STRATEGY").orElse(""), "clone, fetch or none");
        };
        int payloadDepth = plan.sources() == null ? 0 : Math.max(0, plan.sources().depth());
        int depth = number(plan, "GIT_DEPTH").orElse(payloadDepth);
        boolean checkout = switch (lower(plan.variable("GIT_CHECKOUT")).orElse("true")) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw invalid("GIT_CHECKOUT", plan.variable("GIT_CHECKOUT").orElse(""), "true or false");
        };
        Submodules submodules = switch (lower(plan.variable("GIT_SUBMODULE_STRATEGY")).orElse("none")) {
            case "none" -> Submodules.NONE;
            case "normal" -> Submodules.NORMAL;
            case "recursive" -> Submodules.RECURSIVE;
            default -> throw invalid("GIT_SUBMODULE_STRATEGY", plan.variable("GIT_SUBMODULE_STRATEGY").orElse(""),
                    "none, normal or recursive");
        };
        int submoduleDepth = number(plan, "GIT_SUBMODULE_DEPTH").orElse(0);
        List<String> cleanFlags = cleanFlags(plan.variable("GIT_CLEAN_FLAGS").map(String::trim).orElse(""));
        return new GitSettings(strategy, depth, checkout, cleanFlags, submodules, submoduleDepth);
    }

    /**
     * {@code git clean} arguments: options only, except the pattern after {@code -e}/{@code --exclude}, so that
     * nothing is taken for a path (the arguments go to git directly, never through a shell).
     */
    static List<String> cleanFlags(String value) {
        if (value.isEmpty()) {
            return List.of("-ffdx");
        }
        if (value.equalsIgnoreCase("none")) {
            return List.of();
        }
        List<String> flags = new ArrayList<>();
        boolean patternExpected = false;
        for (String token : value.split("\\s+")) {
            if (token.chars().anyMatch(Character::isISOControl)) {
                throw invalid("GIT_CLEAN_FLAGS", value, "git clean options such as -ffdx");
            }
            if (patternExpected) {
                patternExpected = false;
            } else if (!token.startsWith("-") || token.equals("-") || token.equals("--")) {
                throw invalid("GIT_CLEAN_FLAGS", value, "git clean options such as -ffdx (each starting with '-')");
            } else if (token.equals("-e") || token.equals("--exclude")) {
                patternExpected = true;
            }
            flags.add(token);
        }
        if (patternExpected) {
            throw invalid("GIT_CLEAN_FLAGS", value, "a pattern after -e");
        }
        return List.copyOf(flags);
    }

    private static Optional<Integer> number(JobPlan plan, String key) {
        Optional<String> value = plan.variable(key).map(String::trim).filter(v -> !v.isEmpty());
        if (value.isEmpty()) {
            return Optional.empty();
        }
        try {
            int n = Integer.parseInt(value.get());
            if (n < 0) {
                throw invalid(key, value.get(), "a number >= 0");
            }
            return Optional.of(n);
        } catch (NumberFormatException e) {
            throw invalid(key, value.get(), "a number >= 0");
        }
    }

    private static Optional<String> lower(Optional<String> value) {
        return value.map(v -> v.trim().toLowerCase(Locale.ROOT)).filter(v -> !v.isEmpty());
    }

    private static SourceFetchException invalid(String key, String value, String expected) {
        return new SourceFetchException("get_sources failed: " + key + "=" + Inputs.quote(value)
                + " is not valid, expected " + expected);
    }
}
