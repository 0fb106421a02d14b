package org.cleverrunner.core;

import java.util.Locale;
import java.util.Optional;
import org.cleverrunner.coordinator.payload.JobPayload;
import org.cleverrunner.spi.Flavor;
import org.cleverrunner.spi.FlavoredProvisioner;
import org.cleverrunner.spi.Provisioner;

/**
 * A runner's weighted quota. Before asking for a job the runner reserves the weight of the largest flavor it
 * allows; once the job is known the reservation shrinks to the job's own flavor; when the job ends it is given
 * back. So the quota is never exceeded, whatever flavor the next job asks for. Without a quota or without
 * flavors, nothing is limited here.
 */
final class Admission {

    private final double quota;
    private final FlavoredProvisioner flavors;
    private double reserved;

    Admission(AdmissionSettings settings, Provisioner provisioner) {
        this.quota = settings.weightedQuota();
        this.flavors = unwrap(provisioner);
    }

    /**
     * Reserves a host for the job about to be asked for: always granted, but for a warm pool in preemptive mode
     * (idle hosts asked for) whose room is taken (by busy hosts and earlier reservations): then the runner asks
     * GitLab for no job, as GitLab Runner's autoscaler does, rather than take one it would hold waiting. The job's
     * acquisition takes the reservation; {@link #unreserveHost} gives it back when no job came.
     */
    boolean reserveHost() {
        return !(flavors instanceof org.cleverrunner.core.hosts.HostLifecycle lifecycle) || lifecycle.reserve();
    }

    /** Gives back a {@link #reserveHost} reservation no job took. */
    void unreserveHost() {
        if (flavors instanceof org.cleverrunner.core.hosts.HostLifecycle lifecycle) {
            lifecycle.unreserve();
        }
    }

    /** Reserves room for the largest flavor; the returned weight is what to give back (0 when unlimited). */
    synchronized Optional<Double> reserveLargest() {
        if (!limited()) {
            return Optional.of(0.0);
        }
        double largest = flavors.largestFlavor().weight();
        if (reserved + largest > quota + 1e-9) {
            return Optional.empty();
        }
        reserved += largest;
        return Optional.of(largest);
    }

    /** Shrinks a reservation to the job's flavor; returns the weight now held for the job. */
    synchronized double settle(double reservedWeight, JobPayload job) {
        if (!limited()) {
            return 0;
        }
        double actual = Math.min(reservedWeight, weightOf(job));
        reserved -= reservedWeight - actual;
        return actual;
    }

    synchronized void release(double weight) {
        reserved = Math.max(0, reserved - weight);
    }

    synchronized double reserved() {
        return reserved;
    }

    /** The job's flavor's weight; an unknown flavor weighs as the largest (its provisioning will fail anyway). */
    private double weightOf(JobPayload job) {
        String asked = job.variable(HostedRun.FLAVOR_VARIABLE).map(s -> s.strip().toUpperCase(Locale.ROOT))
                .filter(s -> !s.isEmpty()).orElse(flavors.defaultFlavor());
        Flavor flavor = flavors.flavors().get(asked);
        return flavor == null ? flavors.largestFlavor().weight() : flavor.weight();
    }

    private boolean limited() {
        return quota > 0 && flavors != null && !flavors.flavors().isEmpty();
    }

    static FlavoredProvisioner unwrap(Provisioner provisioner) {
        Provisioner current = provisioner;
        if (current instanceof GatedProvisioner gated) {
            current = gated.delegate();
        }
        return current instanceof FlavoredProvisioner flavored ? flavored : null;
    }
}
