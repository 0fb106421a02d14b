package org.cleverrunner.core;

import java.time.Duration;
import java.util.Map;
import org.cleverrunner.spi.Executor;
import org.cleverrunner.spi.Host;
import org.cleverrunner.spi.HostProvisioningException;
import org.cleverrunner.spi.HostRequest;
import org.cleverrunner.spi.JobContext;
import org.cleverrunner.spi.JobOutcome;
import org.cleverrunner.spi.JobPlan;
import org.cleverrunner.spi.Provisioner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job on one lent host: acquire a host from the provisioner, run the job there with the executor, release
 * the host whatever happened. The engine's workers and {@code clever-runner exec} both go through here.
 */
public final class HostedRun {

    private static final Logger LOG = LoggerFactory.getLogger(HostedRun.class);

    /** Told when the host is acquired and released, e.g. to journal it. */
    public interface HostEvents {
        HostEvents NONE = new HostEvents() {
        };

        default void acquired(Host host, Duration provisioning) {
        }

        /** Only when the provisioner gave the host back; a failed release leaves it to the reaper. */
        default void released(Host host) {
        }
    }

    private HostedRun() {
    }

    /** The variable that names the size of host a job wants. */
    public static final String FLAVOR_VARIABLE = "CI_CLEVER_CLOUD_FLAVOR";

    public static JobOutcome run(JobPlan plan, Provisioner provisioner, Executor executor, JobContext context,
            HostEvents events) throws InterruptedException {
        HostRequest request = new HostRequest(plan.runnerId(), plan.jobId(),
                plan.variable(FLAVOR_VARIABLE).filter(flavor -> !flavor.isBlank()).orElse(null),
                Map.of("job", Long.toString(plan.jobId()), "project", plan.projectPath() == null ? "" : plan.projectPath()));
        long started = System.nanoTime();
        Host host;
        // a job canceled while its VM boots interrupts the provisioning, which then deletes what it created
        Thread provisioning = Thread.currentThread();
        java.util.concurrent.atomic.AtomicBoolean acquiring = new java.util.concurrent.atomic.AtomicBoolean(true);
        context.control().onStop(() -> {
            if (acquiring.get()) {
                provisioning.interrupt();
            }
        });
        try {
            host = provisioner.acquire(request);
        } catch (InterruptedException e) {
            acquiring.set(false);
            if (context.control().stopRequested()) {
                Thread.interrupted(); // the job was canceled: not the runner's own interruption
                context.trace().line("\u001b[0;33mThe job was canceled while its host was provisioned\u001b[0;m");
                return JobOutcome.canceled("the job was canceled while its host was provisioned");
            }
            throw e;
        } catch (HostProvisioningException e) {
            acquiring.set(false);
            context.trace().line("\u001b[31;1mERROR: Job failed (system failure): no host for this job: "
                    + e.getMessage() + "\u001b[0;m");
            return JobOutcome.failed(JobOutcome.FailureKind.RUNNER_SYSTEM_FAILURE, null, e.getMessage());
        }
        synchronized (acquiring) {
            acquiring.set(false);
        }
        if (Thread.interrupted() && !context.control().stopRequested()) {
            Thread.currentThread().interrupt(); // someone else's interruption: keep it
        }
        Duration waited = Duration.ofNanos(System.nanoTime() - started);
        events.acquired(host, waited);
        String origin = host.attributes().get("origin");
        // a host lent at once (the local engine) is not worth a line
        if (origin != null || waited.compareTo(Duration.ofSeconds(1)) >= 0) {
            context.trace().line("Host " + host.id() + " ready after " + String.format(java.util.Locale.ROOT, "%.1f",
                    waited.toMillis() / 1000.0) + " s" + (origin == null ? "" : " (" + origin + ")"));
        }
        try {
            if (context.control().state() == org.cleverrunner.spi.JobControl.State.ABORTED) {
                return JobOutcome.canceled("the job was canceled while its host was provisioned");
            }
            return executor.run(plan, host, context);
        } finally {
            try {
                provisioner.release(host);
                events.released(host);
            } catch (RuntimeException e) {
                // not reported as released: the journal keeps the host and the reaper tries again
                LOG.warn("releasing host {} of job {} failed: {}", host.id(), plan.jobId(), e.toString());
            }
        }
    }
}
