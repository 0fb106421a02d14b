package org.cleverrunner.clevercloud.internal;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import org.cleverrunner.spi.Secret;

/**
 * The JSON conventions of the Clever Cloud API as the client reads and writes them: the API's own (mostly camelCase)
 * names, unknown fields ignored, unknown enum values read as {@code UNKNOWN}, nulls not sent.
 */
public final class Json {

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .setDefaultPropertyInclusion(JsonInclude.Include.NON_NULL)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(DeserializationFeature.READ_UNKNOWN_ENUM_VALUES_USING_DEFAULT_VALUE, true)
            .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, false)
            .registerModule(new SimpleModule("clever-secrets").addDeserializer(Secret.class, new SecretReader()));

    private Json() {
    }

    /** A copy of the configured mapper. */
    public static ObjectMapper mapper() {
        return MAPPER.copy();
    }

    private static final class SecretReader extends JsonDeserializer<Secret> {
        @Override
        public Secret deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            String value = parser.getValueAsString();
            return value == null ? null : Secret.of(value);
        }
    }
}
