package org.cleverrunner.clevercloud;

/**
 * A v2 deployment: {@code id} is its 1-based index, {@code uuid} ({@code deployment_…}) the id other calls take.
 */
public record Deployment(
        Integer id,
        String uuid,
        Long date,
        DeploymentState state,
        DeploymentAction action,
        String commit,
        String cause,
        Integer instances,
        Author author) {

    /** Who or what started the deployment. */
    public record Author(String id, String name) {
    }
}
