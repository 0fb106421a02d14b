package org.cleverrunner.coordinator.payload;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import org.cleverrunner.coordinator.InvalidJobPayloadException;

/**
 * The JSON conventions of the runner API (snake_case, unknown fields ignored, nulls omitted), shared by the client
 * and by test doubles so both sides read and write the same shapes.
 */
public final class PayloadJson {

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY, true)
            .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, false)
            .configure(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS, false)
            .registerModule(new JavaTimeModule());

    private PayloadJson() {
    }

    /** A copy of the configured mapper; callers may change their copy freely. */
    public static ObjectMapper mapper() {
        return MAPPER.copy();
    }

    // Jackson's exceptions are never chained: their messages can quote the body, and the body holds tokens.

    /**
     * Parses a job payload, checking the required fields first so that a missing {@code id} or {@code token} is
     * reported by name rather than surfacing later as a null.
     *
     * @throws InvalidJobPayloadException if the body is not JSON, a field has the wrong type, or a required field is
     *     missing; the message never contains the body's secrets
     */
    public static JobPayload parseJob(byte[] body) {
        JsonNode tree;
        try {
            tree = MAPPER.readTree(body);
        } catch (IOException e) {
            throw new InvalidJobPayloadException(null, "job payload is not valid JSON (" + shortReason(e) + ")", null);
        }
        if (tree == null || !tree.isObject()) {
            throw new InvalidJobPayloadException(null, "job payload is not a JSON object", null);
        }
        JsonNode id = tree.get("id");
        if (id == null || id.isNull()) {
            throw new InvalidJobPayloadException("id", "job payload lacks required field 'id'", null);
        }
        if (!id.canConvertToLong() || !id.isIntegralNumber() || id.asLong() <= 0) {
            throw new InvalidJobPayloadException("id", "job payload field 'id' must be a positive integer", null);
        }
        JsonNode token = tree.get("token");
        if (token == null || token.isNull()) {
            throw new InvalidJobPayloadException("token", "job payload lacks required field 'token'", null);
        }
        if (!token.isTextual() || token.asText().isEmpty()) {
            throw new InvalidJobPayloadException("token", "job payload field 'token' must be a non-empty string", null);
        }
        try {
            return MAPPER.treeToValue(tree, JobPayload.class);
        } catch (JsonProcessingException e) {
            throw new InvalidJobPayloadException(fieldPath(e), "job payload field '" + fieldPath(e)
                    + "' has an unexpected type", id.asLong(), token.asText());
        }
    }

    /**
     * Serializes a job payload with this client's conventions, for round trips in tests. This is the client's view
     * of Rails' shapes, not Rails' own: runner-testkit's fake writes its payloads from Rails' field names instead.
     */
    public static byte[] writeJob(JobPayload job) {
        try {
            return MAPPER.writeValueAsBytes(job);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize job " + job.id(), e);
        }
    }

    private static String fieldPath(JsonProcessingException e) {
        if (e instanceof com.fasterxml.jackson.databind.JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            StringBuilder path = new StringBuilder();
            for (var ref : mapping.getPath()) {
                if (ref.getFieldName() != null) {
                    path.append(path.length() == 0 ? "" : ".").append(ref.getFieldName());
                } else if (ref.getIndex() >= 0) {
                    path.append('[').append(ref.getIndex()).append(']');
                }
            }
            return path.toString();
        }
        return "?";
    }

    /** Jackson's message without its source excerpt, which could quote secrets from the body. */
    private static String shortReason(IOException e) {
        if (e instanceof JsonProcessingException processing) {
            String message = processing.getOriginalMessage();
            message = message.replaceAll("'[^']*'", "'…'").replaceAll("\\(String\\)\"[^\"]*\"", "…");
            return message.length() > 120 ? message.substring(0, 120) + "…" : message;
        }
        return e.getClass().getSimpleName();
    }
}
