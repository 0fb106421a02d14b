package org.cleverrunner.testkit.clevercloud;

/**
 * What one application cost: the sum over its instances of their uptime (from creation, {@code BOOTING}, to stop)
 * rounded up to 10 seconds each. Deleted applications keep their record.
 */
public record BillingRecord(String appId, String name, String flavor, long billedSeconds, double estimatedCost,
                            boolean deleted) {
}
