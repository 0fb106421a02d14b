package org.cleverrunner.coordinator;

/** 410: the instance no longer accepts registration tokens; create the runner in the UI and use its glrt- token. */
public class RegistrationDisallowedException extends CoordinatorHttpException {

    public RegistrationDisallowedException(String message, String bodyExcerpt) {
        super(message, 410, bodyExcerpt);
    }
}
