package org.cleverrunner.coordinator.payload;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One job variable. Rails omits {@code file} and {@code raw} when they are false. {@link #toString()} shows the
 * value only for public, unmasked variables.
 */
public record JobVariable(String key, String value, @JsonProperty("public") boolean isPublic, boolean masked,
        @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean file,
        @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean raw) {

    public JobVariable {
        value = value == null ? "" : value;
    }

    /** A public, unmasked, plain variable. */
    public static JobVariable of(String key, String value) {
        return new JobVariable(key, value, true, false, false, false);
    }

    /** A private variable whose value the runner masks in the trace. */
    public static JobVariable masked(String key, String value) {
        return new JobVariable(key, value, false, true, false, false);
    }

    @Override
    public String toString() {
        String shown = isPublic && !masked ? value : "[MASKED]";
        return "JobVariable[" + key + "=" + shown + (file ? ", file" : "") + (raw ? ", raw" : "") + "]";
    }
}
