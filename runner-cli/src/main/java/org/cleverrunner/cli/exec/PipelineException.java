package org.cleverrunner.cli.exec;

/**
 * A {@code .gitlab-ci.yml} that exec cannot run, with the file and line to look at:
 * {@code .gitlab-ci.yml:12: job 'build' uses 'rules', which exec does not support}.
 */
public final class PipelineException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int line;

    public PipelineException(String file, int line, String message) {
        super(line > 0 ? file + ":" + line + ": " + message : file + ": " + message);
        this.line = line;
    }

    /** The 1-based line the problem is on, or 0 when it is about the whole file. */
    public int line() {
        return line;
    }
}
