package org.cleverrunner.cli.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Writes a config tree back as TOML in the layout people edit by hand: top-level keys, then {@code [tables]} and
 * {@code [[arrays of tables]]} with their sub-tables ({@code [runners.docker]}), rather than the inline tables a
 * generic serializer produces.
 */
final class TomlWriter {

    private static final Pattern BARE_KEY = Pattern.compile("[A-Za-z0-9_-]+");

    private TomlWriter() {
    }

    static String write(ObjectNode root) {
        StringBuilder out = new StringBuilder();
        table(out, "", root, false);
        return out.toString();
    }

    private static void table(StringBuilder out, String path, ObjectNode node, boolean arrayElement) {
        boolean hasValues = false;
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            if (isValue(it.next().getValue())) {
                hasValues = true;
            }
        }
        // A table holding only sub-tables needs no header of its own; an empty one keeps it so it is not lost.
        if (!path.isEmpty() && (arrayElement || hasValues || node.isEmpty())) {
            if (out.length() > 0) {
                out.append('\n');
            }
            out.append(arrayElement ? "[[" : "[").append(path).append(arrayElement ? "]]" : "]").append('\n');
        }
        node.fields().forEachRemaining(field -> {
            if (isValue(field.getValue())) {
                out.append(key(field.getKey())).append(" = ").append(value(field.getValue())).append('\n');
            }
        });
        node.fields().forEachRemaining(field -> {
            String childPath = path.isEmpty() ? key(field.getKey()) : path + "." + key(field.getKey());
            JsonNode child = field.getValue();
            if (child.isObject()) {
                table(out, childPath, (ObjectNode) child, false);
            } else if (isTableArray(child)) {
                child.forEach(element -> table(out, childPath, (ObjectNode) element, true));
            }
        });
    }

    private static boolean isValue(JsonNode node) {
        return !node.isNull() && !node.isMissingNode() && !node.isObject() && !isTableArray(node);
    }

    private static boolean isTableArray(JsonNode node) {
        if (!node.isArray() || node.isEmpty()) {
            return false;
        }
        for (JsonNode element : node) {
            if (!element.isObject()) {
                return false;
            }
        }
        return true;
    }

    private static String key(String key) {
        return BARE_KEY.matcher(key).matches() ? key : string(key);
    }

    private static String value(JsonNode node) {
        if (node.isTextual()) {
            return string(node.textValue());
        }
        if (node.isBoolean() || node.isNumber()) {
            return node.asText();
        }
        if (node.isArray()) {
            StringBuilder array = new StringBuilder("[");
            for (JsonNode element : node) {
                if (array.length() > 1) {
                    array.append(", ");
                }
                array.append(element.isObject() ? inline((ObjectNode) element) : value(element));
            }
            return array.append(']').toString();
        }
        return string(node.asText());
    }

    private static String inline(ObjectNode node) {
        StringBuilder table = new StringBuilder("{");
        node.fields().forEachRemaining(field -> {
            if (table.length() > 1) {
                table.append(", ");
            }
            table.append(key(field.getKey())).append(" = ").append(field.getValue().isObject()
                    ? inline((ObjectNode) field.getValue()) : value(field.getValue()));
        });
        return table.append('}').toString();
    }

    private static String string(String text) {
        StringBuilder out = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        out.append(String.format("\\u%04X", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
