package org.cleverrunner.testkit;

/** The coordinator endpoints the fake serves; used to record requests and to target injected faults. */
public enum Endpoint {
    /** {@code POST /api/v4/runners} (legacy registration with a registration token). */
    REGISTER,
    /** {@code POST /api/v4/runners/verify}. */
    VERIFY,
    /** {@code DELETE /api/v4/runners} and {@code DELETE /api/v4/runners/managers}. */
    UNREGISTER,
    /** {@code POST /api/v4/runners/reset_authentication_token} and {@code POST /api/v4/runners/:id/reset_authentication_token}. */
    RESET_TOKEN,
    /** {@code POST /api/v4/jobs/request} (long poll). */
    JOB_REQUEST,
    /** {@code PUT /api/v4/jobs/:id}. */
    JOB_UPDATE,
    /** {@code PATCH /api/v4/jobs/:id/trace}. */
    TRACE_PATCH,
    /** {@code POST /api/v4/jobs/:id/artifacts}. */
    ARTIFACT_UPLOAD,
    /** {@code GET /api/v4/jobs/:id/artifacts}. */
    ARTIFACT_DOWNLOAD,
    /** {@code GET /object-storage/...}: the pre-signed URL a direct download redirects to. */
    OBJECT_STORAGE,
    /** Anything else (answered 404). */
    UNKNOWN
}
