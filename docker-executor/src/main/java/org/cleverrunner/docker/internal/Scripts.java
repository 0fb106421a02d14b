package org.cleverrunner.docker.internal;

import java.util.List;

/**
 * The shell scripts the stage containers run. The job's commands go in verbatim (they are the user's shell code);
 * everything else the runner adds is constant text, and values reach the shell only through environment
 * variables, never by interpolation.
 */
public final class Scripts {

    /**
     * What the container runs: bash when the image has it, else sh, on the script file. Passed as an argument list,
     * so the path is not re-parsed.
     */
    public static List<String> launcher(String scriptPath) {
        return List.of("sh", "-c",
                "if command -v bash >/dev/null 2>&1; then exec bash \"$0\"; else exec sh \"$0\"; fi", scriptPath);
    }

    private Scripts() {
    }

    /**
     * A step script: stops at the first failing command (and failing pipeline under bash), echoes each command in
     * green before running it, as GitLab does.
     */
    public static String step(List<String> commands) {
        StringBuilder script = new StringBuilder();
        script.append("if [ -n \"${BASH_VERSION:-}\" ]; then set -o pipefail; fi\n");
        script.append("set -e\n");
        script.append("cd \"$CI_PROJECT_DIR\"\n");
        for (String command : commands) {
            script.append("printf '\\033[32;1m$ %s\\033[0;m\\n' ").append(singleQuoted(echoForm(command))).append('\n');
            script.append(command).append('\n');
        }
        return script.toString();
    }

    /** Multi-line commands are echoed by their first line with an ellipsis, as GitLab shows them. */
    private static String echoForm(String command) {
        String trimmed = command.strip();
        int newline = trimmed.indexOf('\n');
        return newline < 0 ? trimmed : trimmed.substring(0, newline) + " # collapsed multi-line command";
    }

    /**
     * Waits until every port in {@code $CR_PORTS} answers on host {@code $CR_HOST}, with {@code nc} when the image
     * has it, else bash's /dev/tcp. Host and ports come from the environment, so nothing is interpolated.
     */
    public static String waitForPorts() {
        return "for port in $CR_PORTS; do\n"
                + "  until { command -v nc >/dev/null 2>&1 && nc -w 1 \"$CR_HOST\" \"$port\" </dev/null >/dev/null 2>&1; }"
                + " || { [ -n \"${BASH_VERSION:-}\" ] && (exec 3<>\"/dev/tcp/$CR_HOST/$port\") 2>/dev/null; }; do\n"
                + "    sleep 0.2\n"
                + "  done\n"
                + "done\n";
    }

    static String singleQuoted(String text) {
        return "'" + text.replace("'", "'\\''") + "'";
    }
}
