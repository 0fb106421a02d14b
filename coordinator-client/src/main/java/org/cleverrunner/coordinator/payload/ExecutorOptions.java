package org.cleverrunner.coordinator.payload;

/** {@code executor_opts}: per-image options for the docker executor (platform, user). */
public record ExecutorOptions(Docker docker) {

    /** {@code executor_opts.docker}; {@code user} arrives as a string or a number, and is kept as a string. */
    public record Docker(String platform, String user) {
    }
}
