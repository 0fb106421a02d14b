package org.cleverrunner.clevercloud;

/** The API's generic answer {@code {"id":…,"message":…,"type":"success"}} (stop, cancel, delete). */
public record ApiMessage(Integer id, String message, String type) {
}
