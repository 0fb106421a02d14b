package org.cleverrunner.testkit.clevercloud;

import java.time.Instant;

/**
 * A snapshot of one instance. States follow the v2 enum: {@code BOOTING} (until {@code bootTime}), then
 * {@code DEPLOYING} (while the launcher runs, or forever under {@code deploymentNeverUp}), {@code UP},
 * and {@code DELETED} once stopped.
 *
 * @param stoppedAt null while it runs
 */
public record SimulatedInstance(String id, String deploymentId, String state, String flavor, String commit,
                                Instant createdAt, Instant upAt, Instant stoppedAt, long billedSeconds) {
}
