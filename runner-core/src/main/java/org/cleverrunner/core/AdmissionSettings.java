package org.cleverrunner.core;

import java.time.Duration;

/**
 * How a runner limits what it launches, beyond {@code limit}: a weighted quota (a job weighs its flavor's RAM in
 * GiB to the power 1.25; the runner asks for a job only when the largest allowed flavor would still fit), a cap on
 * jobs whose host is being provisioned, and a minimum interval between two launches. Zero means no limit.
 */
public record AdmissionSettings(double weightedQuota, int maxProvisioning, Duration minLaunchInterval) {

    public AdmissionSettings {
        weightedQuota = Math.max(0, weightedQuota);
        maxProvisioning = Math.max(0, maxProvisioning);
        minLaunchInterval = minLaunchInterval == null || minLaunchInterval.isNegative() ? Duration.ZERO
                : minLaunchInterval;
    }

    public static AdmissionSettings unlimited() {
        return new AdmissionSettings(0, 0, Duration.ZERO);
    }
}
