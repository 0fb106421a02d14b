package org.cleverrunner.coordinator;

/** A job payload that cannot be used: not JSON, a field of the wrong type, or a required field missing. */
public class InvalidJobPayloadException extends CoordinatorResponseException {

    private final String field;
    private final long jobId;
    private final transient String jobToken;

    public InvalidJobPayloadException(String field, String message, Throwable cause) {
        this(field, message, 201, null, cause);
    }

    public InvalidJobPayloadException(String field, String message, int status, String bodyExcerpt, Throwable cause) {
        this(field, message, status, bodyExcerpt, cause, 0, null);
    }

    /**
     * A payload whose id and token could be read although another field could not: the runner can still fail that
     * job in GitLab rather than leave it assigned and running. The token is kept out of the message.
     */
    public InvalidJobPayloadException(String field, String message, long jobId, String jobToken) {
        this(field, message, 201, null, null, jobId, jobToken);
    }

    /** The same problem, as answered with {@code status} and a masked excerpt of the body. */
    public InvalidJobPayloadException withResponse(int status, String bodyExcerpt) {
        return new InvalidJobPayloadException(field, getMessage(), status, bodyExcerpt, null, jobId, jobToken);
    }

    private InvalidJobPayloadException(String field, String message, int status, String bodyExcerpt, Throwable cause,
            long jobId, String jobToken) {
        super(message, status, bodyExcerpt, cause);
        this.field = field;
        this.jobId = jobId;
        this.jobToken = jobToken;
    }

    /** The job's id when the payload had a readable one, else 0. */
    public long jobId() {
        return jobId;
    }

    /** The job's token when the payload had a readable one, else null; never part of the message. */
    public String jobToken() {
        return jobToken;
    }

    /** The offending field's path (e.g. {@code id}, {@code services[0].ports}), or null if the body is not JSON. */
    public String field() {
        return field;
    }
}
