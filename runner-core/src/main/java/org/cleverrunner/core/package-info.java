/**
 * runner-core, the engine. So far: {@link org.cleverrunner.core.JobTrace} (a job's masked, capped log with GitLab
 * section markers), {@link org.cleverrunner.core.JobPlans} (payload to {@link org.cleverrunner.spi.JobPlan}, with
 * {@link org.cleverrunner.core.Variables} expansion) and {@link org.cleverrunner.core.CoordinatorArtifactTransfer}.
 * Polling, admission, lifecycle and the journal come next.
 */
package org.cleverrunner.core;
