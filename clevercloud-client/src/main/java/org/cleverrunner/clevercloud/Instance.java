package org.cleverrunner.clevercloud;

/** One instance (VM) of an application, from {@code GET …/applications/{id}/instances}. */
public record Instance(
        String id,
        String appId,
        String ip,
        Integer appPort,
        InstanceState state,
        Flavor flavor,
        String commit,
        Integer deployNumber,
        String deployId,
        Integer instanceNumber,
        String displayName,
        Long creationDate) {

    public boolean isUp() {
        return state == InstanceState.UP;
    }
}
