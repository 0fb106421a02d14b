package org.cleverrunner.clevercloud;

import java.util.Map;

/**
 * The API refused a call: any status outside 2xx that the call does not turn into a result value. Carries the
 * status, its {@link Kind}, and what Clever Cloud's error body {@code {"id":…,"message":…,"type":…,"fields":{…}}}
 * says when it sent one ({@link #errorId()} is Clever's error code, e.g. 4004 "no such application", 9017 "the
 * specified instance does not exist", 557 "application environment is invalid"). When the body is not such an
 * object (an HTML page from a gateway, plain text), {@link #errorId()} is null and {@link #bodyExcerpt()} holds a
 * masked excerpt.
 */
public class CleverCloudApiException extends CleverCloudException {

    /** What the status means for a caller. */
    public enum Kind {
        /** 400, 422: the request was invalid; {@link #fields()} may say which field. */
        BAD_REQUEST,
        /** 401: missing, wrong or expired credentials. */
        UNAUTHORIZED,
        /** 403: authenticated, but not allowed on this resource. */
        FORBIDDEN,
        /** 404 (and 410): no such organisation, application, deployment… */
        NOT_FOUND,
        /** 409: conflicts with the resource's state. */
        CONFLICT,
        /** 429: rate limited (after the retries the call allows). */
        RATE_LIMITED,
        /** 5xx (after the retries the call allows). */
        SERVER_ERROR,
        /** Anything else. */
        OTHER;

        public static Kind of(int status) {
            return switch (status) {
                case 400, 422 -> BAD_REQUEST;
                case 401 -> UNAUTHORIZED;
                case 403 -> FORBIDDEN;
                case 404, 410 -> NOT_FOUND;
                case 409 -> CONFLICT;
                case 429 -> RATE_LIMITED;
                default -> status >= 500 && status <= 599 ? SERVER_ERROR : OTHER;
            };
        }
    }

    private final int status;
    private final Kind kind;
    private final Integer errorId;
    private final String type;
    private final String apiMessage;
    private final Map<String, String> fields;
    private final String bodyExcerpt;

    public CleverCloudApiException(String message, int status, Integer errorId, String type, String apiMessage,
            Map<String, String> fields, String bodyExcerpt) {
        super(message);
        this.status = status;
        this.kind = Kind.of(status);
        this.errorId = errorId;
        this.type = type;
        this.apiMessage = apiMessage;
        this.fields = fields == null ? Map.of() : Map.copyOf(fields);
        this.bodyExcerpt = bodyExcerpt;
    }

    public int status() {
        return status;
    }

    public Kind kind() {
        return kind;
    }

    /** Clever Cloud's error code ({@code id} of the error body), or null when the body had none. */
    public Integer errorId() {
        return errorId;
    }

    /** The error body's {@code type} ({@code error}, {@code warning}…), or null. */
    public String type() {
        return type;
    }

    /** The error body's {@code message} (masked), or null. */
    public String apiMessage() {
        return apiMessage;
    }

    /** The error body's {@code fields}: field name to problem (values masked); empty when absent. */
    public Map<String, String> fields() {
        return fields;
    }

    /** A short excerpt of the body, credentials and secret-looking fields masked. */
    public String bodyExcerpt() {
        return bodyExcerpt;
    }

    public boolean isNotFound() {
        return kind == Kind.NOT_FOUND;
    }

    /** 401 or 403. */
    public boolean isAuthenticationFailure() {
        return kind == Kind.UNAUTHORIZED || kind == Kind.FORBIDDEN;
    }
}
