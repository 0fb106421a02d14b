package org.cleverrunner.docker.internal.sources;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.cleverrunner.spi.JobPlan;
import org.cleverrunner.spi.PlanRules;

/** Checks of what the payload and the job's variables hand to git/hg, before any process starts. */
final class Inputs {

    private static final Pattern PATH_SEGMENT = Pattern.compile("[A-Za-z0-9_.][A-Za-z0-9_.-]*");
    private static final Pattern RUNNER_ID = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*");

    private Inputs() {
    }

    static String gitRevision(String revision) {
        if (!PlanRules.isGitCommit(revision)) {
            throw new SourceFetchException("get_sources failed: the revision to check out must be a full Git commit"
                    + " id (40 or 64 hex digits), got " + quote(revision));
        }
        return revision.toLowerCase(Locale.ROOT);
    }

    static String hgNode(String revision) {
        if (!PlanRules.isHgNode(revision)) {
            throw new SourceFetchException("get_sources failed: the revision to check out must be a full Mercurial"
                    + " changeset id (40 hex digits), got " + quote(revision));
        }
        return revision.toLowerCase(Locale.ROOT);
    }

    static List<String> refspecs(List<String> refspecs) {
        for (String refspec : refspecs) {
            if (refspec == null || refspec.isEmpty() || refspec.startsWith("-") || !printable(refspec)
                    || refspec.chars().anyMatch(Character::isWhitespace)) {
                throw new SourceFetchException("get_sources failed: refusing refspec " + quote(refspec)
                        + " (it must not be empty, start with '-' or hold spaces or control characters)");
            }
        }
        return refspecs;
    }

    /**
     * The working copy's directory: one per runner and project, a readable name plus a hash of both (so that
     * {@code a/b-c} and {@code a-b/c} differ), always a direct child of {@code workRoot}.
     */
    static Path workingCopy(Path workRoot, String runnerId, String projectPath) {
        runnerId(runnerId);
        if (projectPath == null || projectPath.isEmpty() || projectPath.length() > 1024) {
            throw new SourceFetchException("get_sources failed: refusing project path " + quote(projectPath));
        }
        for (String segment : projectPath.split("/", -1)) {
            if (!PATH_SEGMENT.matcher(segment).matches() || segment.equals(".") || segment.equals("..")) {
                throw new SourceFetchException("get_sources failed: refusing project path " + quote(projectPath)
                        + " (segments must be letters, digits, '_', '-' or '.', and not '.' or '..')");
            }
        }
        String readable = (runnerId + "-" + projectPath.replace('/', '-')).replaceAll("\\.{2,}", "_");
        if (readable.length() > 80) {
            readable = readable.substring(0, 80);
        }
        String name = readable + "-" + shortHash(runnerId + "\0" + projectPath);
        Path root = workRoot.toAbsolutePath().normalize();
        Path dir = root.resolve(name).normalize();
        if (!root.equals(dir.getParent())) {
            throw new SourceFetchException("get_sources failed: refusing project path " + quote(projectPath));
        }
        return dir;
    }

    static String runnerId(String runnerId) {
        if (runnerId == null || !RUNNER_ID.matcher(runnerId).matches() || runnerId.contains("..")) {
            throw new SourceFetchException("get_sources failed: refusing runner id " + quote(runnerId));
        }
        return runnerId;
    }

    /**
     * True for the project path runner-core's JobPlans makes up when the payload has no job_info
     * ({@code project-<job id>}): no later job shares it, so its working copy is not kept.
     */
    static boolean perJobProject(JobPlan plan) {
        return plan.projectPath().equals("project-" + plan.jobId());
    }

    /** A payload label (the ref) fit for one trace line: no control characters, so no terminal escapes. */
    static String label(String value, String fallback) {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        String shown = value.codePoints().filter(c -> !Character.isISOControl(c))
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        return shown.length() > 200 ? shown.substring(0, 200) + "…" : shown;
    }

    static String quote(String value) {
        if (value == null) {
            return "(none)";
        }
        String shown = value.length() > 80 ? value.substring(0, 80) + "…" : value;
        StringBuilder out = new StringBuilder("'");
        shown.codePoints().forEach(c -> {
            if (Character.isISOControl(c)) {
                out.append(String.format("\\x%02x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.append('\'').toString();
    }

    private static boolean printable(String value) {
        return value.chars().noneMatch(Character::isISOControl);
    }

    private static String shortHash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
