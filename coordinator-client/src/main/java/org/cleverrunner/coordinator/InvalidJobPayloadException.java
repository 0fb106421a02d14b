package org.cleverrunner.coordinator;

/** A job payload that cannot be used: not JSON, a field of the wrong type, or a required field missing. */
public class InvalidJobPayloadException extends CoordinatorResponseException {

    private final String field;

    public InvalidJobPayloadException(String field, String message, Throwable cause) {
        this(field, message, 201, null, cause);
    }

    public InvalidJobPayloadException(String field, String message, int status, String bodyExcerpt, Throwable cause) {
        super(message, status, bodyExcerpt, cause);
        this.field = field;
    }

    /** The offending field's path (e.g. {@code id}, {@code services[0].ports}), or null if the body is not JSON. */
    public String field() {
        return field;
    }
}
