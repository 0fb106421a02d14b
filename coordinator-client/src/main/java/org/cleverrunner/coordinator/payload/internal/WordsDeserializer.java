package org.cleverrunner.coordinator.payload.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Reads {@code entrypoint}/{@code command}: a JSON array of strings, or a string split on whitespace. */
public final class WordsDeserializer extends JsonDeserializer<List<String>> {

    @Override
    public List<String> deserialize(JsonParser parser, DeserializationContext context) throws IOException {
        JsonToken token = parser.currentToken();
        if (token == JsonToken.VALUE_STRING) {
            String text = parser.getText().strip();
            return text.isEmpty() ? List.of() : List.of(text.split("\\s+"));
        }
        if (token == JsonToken.START_ARRAY) {
            List<String> words = new ArrayList<>();
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                if (parser.currentToken() != JsonToken.VALUE_NULL) {
                    words.add(parser.getValueAsString());
                }
            }
            return words;
        }
        return (List<String>) context.handleUnexpectedToken(List.class, parser);
    }

    @Override
    public List<String> getNullValue(DeserializationContext context) {
        return List.of();
    }
}
