package org.cleverrunner.docker.internal;

import java.util.regex.Pattern;

/**
 * Where a job's files live in the build volume: {@code /builds/<group>/<project>} for the sources (CI_PROJECT_DIR)
 * and {@code /builds/<group>/<project>.tmp} for scripts and file variables. The project path comes from the
 * coordinator and is checked segment by segment so it can never leave {@code /builds}.
 */
public record BuildPaths(String projectPath) {

    public static final String BUILDS_DIR = "/builds";
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}");

    public BuildPaths {
        if (projectPath == null || projectPath.isEmpty() || projectPath.length() > 1024) {
            throw new IllegalArgumentException("the project path is empty or too long");
        }
        for (String segment : projectPath.split("/", -1)) {
            if (!SEGMENT.matcher(segment).matches() || segment.equals("..") || segment.endsWith(".tmp")) {
                throw new IllegalArgumentException("unsafe project path '" + projectPath + "': segment '" + segment
                        + "' must be letters, digits, '_', '-' or '.' and not start with '.'");
            }
        }
    }

    /** CI_PROJECT_DIR. */
    public String projectDir() {
        return BUILDS_DIR + "/" + projectPath;
    }

    /** The directory that holds the project directory, where its tar is extracted. */
    public String parentDir() {
        String dir = projectDir();
        return dir.substring(0, dir.lastIndexOf('/'));
    }

    /** The project directory's own name, the root of its tar. */
    public String leafName() {
        return projectPath.substring(projectPath.lastIndexOf('/') + 1);
    }

    /** The project directory relative to /builds, as tar entries name it. */
    public String projectEntry() {
        return projectPath;
    }

    /** Scripts and file variables, beside the project so that they are not part of its artifacts or caches. */
    public String tmpDir() {
        return projectDir() + ".tmp";
    }

    public String tmpEntry() {
        return projectPath + ".tmp";
    }
}
