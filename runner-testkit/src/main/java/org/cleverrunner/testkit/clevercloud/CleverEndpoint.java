package org.cleverrunner.testkit.clevercloud;

/** The endpoints the simulator serves (all under {@code /v2}); used to record requests and to target faults. */
public enum CleverEndpoint {
    /** {@code GET /v2/self}. */
    SELF,
    /** {@code GET /v2/organisations} and {@code GET /v2/organisations/{o}}. */
    ORGANISATIONS,
    /** {@code GET /v2/products/instances}. */
    PRODUCT_INSTANCES,
    /** {@code GET /v2/products/flavors?context=}. */
    PRODUCT_FLAVORS,
    /** {@code GET /v2/products/zones}. */
    PRODUCT_ZONES,
    /** {@code GET …/applications}. */
    APPLICATIONS_LIST,
    /** {@code POST …/applications}. */
    APPLICATION_CREATE,
    /** {@code GET …/applications/{a}}. */
    APPLICATION_GET,
    /** {@code PUT …/applications/{a}}. */
    APPLICATION_UPDATE,
    /** {@code DELETE …/applications/{a}}. */
    APPLICATION_DELETE,
    /** {@code GET …/env}. */
    ENV_GET,
    /** {@code PUT …/env} (replace all). */
    ENV_REPLACE,
    /** {@code PUT …/env/{NAME}}. */
    ENV_VAR_PUT,
    /** {@code DELETE …/env/{NAME}}. */
    ENV_VAR_DELETE,
    /** {@code GET …/instances}. */
    INSTANCES_LIST,
    /** {@code POST …/instances} (start / redeploy). */
    INSTANCES_START,
    /** {@code DELETE …/instances} (stop). */
    INSTANCES_STOP,
    /** {@code GET …/deployments}. */
    DEPLOYMENTS_LIST,
    /** {@code GET …/deployments/{uuid}}. */
    DEPLOYMENT_GET,
    /** {@code DELETE …/deployments/{uuid}/instances} (cancel). */
    DEPLOYMENT_CANCEL,
    /** Anything else (404). */
    UNKNOWN
}
