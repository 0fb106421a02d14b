package org.cleverrunner.coordinator;

/** 403: the token was refused (wrong, revoked, or the runner is orphaned). */
public class CoordinatorForbiddenException extends CoordinatorHttpException {

    public CoordinatorForbiddenException(String message, String bodyExcerpt) {
        super(message, 403, bodyExcerpt);
    }
}
