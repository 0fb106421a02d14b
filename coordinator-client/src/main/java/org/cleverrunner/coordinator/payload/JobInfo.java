package org.cleverrunner.coordinator.payload;

/** {@code job_info}: what the job is, for display and for predefined variables. */
public record JobInfo(
        long id,
        String name,
        String stage,
        long pipelineId,
        long projectId,
        String projectName,
        String projectFullPath,
        Long namespaceId,
        Long rootNamespaceId,
        Long userId,
        Double timeInQueueSeconds) {
}
