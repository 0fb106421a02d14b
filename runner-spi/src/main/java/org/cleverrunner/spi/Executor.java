package org.cleverrunner.spi;

/**
 * Runs jobs on a Docker host (or whatever the implementation drives). Thread-safe: one executor may run many jobs
 * at once. {@link #run} returns the job's outcome; it throws only when interrupted, and in every case removes
 * what it created for the job before returning.
 */
public interface Executor extends AutoCloseable {

    /**
     * The label ({@code =true}) on every container, network and volume an executor creates on a host: what a
     * host's clean-up removes, and what a host kept for another job must no longer have.
     */
    String MANAGED_LABEL = "org.cleverrunner.managed";

    /** The label naming the job (its id) each of those belongs to. */
    String JOB_LABEL = "org.cleverrunner.job";

    /** The label naming the runner ({@link JobPlan#runnerId()}) whose job it is: job ids repeat across GitLabs. */
    String RUNNER_LABEL = "org.cleverrunner.runner";

    /** Runs the job on the host and returns how it ended. */
    JobOutcome run(JobPlan plan, Host host, JobContext context) throws InterruptedException;

    /** Removes leftovers of this runner on the host (containers, networks, volumes carrying its labels). */
    default int sweep(Host host, String runnerId) {
        return 0;
    }

    @Override
    default void close() {
    }
}
