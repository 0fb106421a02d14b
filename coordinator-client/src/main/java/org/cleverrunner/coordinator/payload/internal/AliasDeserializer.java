package org.cleverrunner.coordinator.payload.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import java.io.IOException;
import java.util.StringJoiner;

/** Reads a service {@code alias}: a string (possibly a comma/space separated list) or a JSON array of names. */
public final class AliasDeserializer extends JsonDeserializer<String> {

    @Override
    public String deserialize(JsonParser parser, DeserializationContext context) throws IOException {
        if (parser.currentToken() == JsonToken.START_ARRAY) {
            StringJoiner joined = new StringJoiner(",");
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                if (parser.currentToken() != JsonToken.VALUE_NULL) {
                    joined.add(parser.getValueAsString());
                }
            }
            return joined.toString();
        }
        return parser.getValueAsString();
    }
}
