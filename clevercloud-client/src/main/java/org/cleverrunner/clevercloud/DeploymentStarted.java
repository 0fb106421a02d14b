package org.cleverrunner.clevercloud;

/**
 * The answer to a start or redeploy: {@code {"id":…,"message":…,"type":"success","deploymentId":"deployment_…"}};
 * {@link #deploymentId()} is what {@code awaitDeployment} takes.
 */
public record DeploymentStarted(Integer id, String message, String type, String deploymentId) {
}
