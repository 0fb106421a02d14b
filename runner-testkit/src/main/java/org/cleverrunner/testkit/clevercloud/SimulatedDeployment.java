package org.cleverrunner.testkit.clevercloud;

import java.time.Instant;

/**
 * A snapshot of one deployment: {@code state} is one of {@code WIP, OK, FAIL, CANCELLED}
 * and {@code action} {@code DEPLOY} or {@code UNDEPLOY}.
 *
 * @param index 1-based number, the v2 JSON {@code id}
 * @param uuid  {@code deployment_<uuid>}, the v2 JSON {@code uuid}
 */
public record SimulatedDeployment(int index, String uuid, String state, String action, String commit, String cause,
                                  Instant date) {
}
