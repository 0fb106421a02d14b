package org.cleverrunner.cli.exec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * A YAML document as plain values that remember their line. Built from snakeyaml-engine's composed nodes (not
 * constructed objects) because only nodes carry start marks; anchors and aliases are resolved by the composer and
 * YAML 1.1 merge keys ({@code <<}), which GitLab files use a lot, are applied here.
 */
final class YamlTree {

    private YamlTree() {
    }

    sealed interface Value permits Scalar, Sequence, Mapping {
        int line();
    }

    /** A scalar; {@code value} is null for YAML null ({@code ~}, empty); {@code tag} is str, int, bool, float or null. */
    record Scalar(String value, String tag, int line) implements Value {
        boolean isNull() {
            return value == null;
        }
    }

    record Sequence(List<Value> items, int line) implements Value {
    }

    /** A mapping with string keys in file order; {@code keyLines} gives each key's own line. */
    record Mapping(LinkedHashMap<String, Value> entries, Map<String, Integer> keyLines, int line) implements Value {
        Optional<Value> get(String key) {
            return Optional.ofNullable(entries.get(key));
        }

        int lineOf(String key) {
            return keyLines.getOrDefault(key, line);
        }
    }

    /** Parses one YAML document; an empty file is an empty mapping. */
    static Value parse(String text, String file) {
        LoadSettings settings = LoadSettings.builder().setLabel(file).setSchema(new CoreSchema())
                .setAllowRecursiveKeys(false).build();
        Optional<Node> root;
        try {
            root = new Compose(settings).composeString(text);
        } catch (MarkedYamlEngineException e) {
            int line = e.getProblemMark().or(e::getContextMark).map(mark -> mark.getLine() + 1).orElse(0);
            String problem = e.getProblem() == null ? e.getMessage() : e.getProblem();
            String context = e.getContext() == null ? "" : " (" + e.getContext() + ")";
            throw new PipelineException(file, line, "YAML syntax error: " + problem + context);
        } catch (YamlEngineException e) {
            throw new PipelineException(file, 0, "YAML syntax error: " + e.getMessage());
        }
        if (root.isEmpty()) {
            return new Mapping(new LinkedHashMap<>(), Map.of(), 1);
        }
        return convert(root.get(), file, 0);
    }

    private static Value convert(Node node, String file, int depth) {
        int line = line(node);
        if (depth > 100) {
            throw new PipelineException(file, line, "YAML nesting is too deep (a recursive alias?)");
        }
        if (node instanceof ScalarNode scalar) {
            Tag tag = scalar.getTag();
            if (Tag.NULL.equals(tag)) {
                return new Scalar(null, "null", line);
            }
            String kind = Tag.BOOL.equals(tag) ? "bool" : Tag.INT.equals(tag) ? "int"
                    : Tag.FLOAT.equals(tag) ? "float" : "str";
            return new Scalar(scalar.getValue(), kind, line);
        }
        if (node instanceof SequenceNode sequence) {
            List<Value> items = new ArrayList<>();
            for (Node item : sequence.getValue()) {
                items.add(convert(item, file, depth + 1));
            }
            return new Sequence(items, line);
        }
        MappingNode mapping = (MappingNode) node;
        LinkedHashMap<String, Value> entries = new LinkedHashMap<>();
        Map<String, Integer> keyLines = new LinkedHashMap<>();
        List<Mapping> merged = new ArrayList<>();
        for (NodeTuple tuple : mapping.getValue()) {
            if (!(tuple.getKeyNode() instanceof ScalarNode keyNode) || Tag.NULL.equals(keyNode.getTag())) {
                throw new PipelineException(file, line(tuple.getKeyNode()), "a mapping key must be a plain string");
            }
            String key = keyNode.getValue();
            if (Tag.MERGE.equals(keyNode.getTag()) || "<<".equals(key) && keyNode.isPlain()) {
                merged.addAll(mergeSources(convert(tuple.getValueNode(), file, depth + 1), file));
                continue;
            }
            if (entries.containsKey(key)) {
                // GitLab keeps the last one silently; a duplicate job or keyword is nearly always a mistake
                throw new PipelineException(file, line(keyNode), "duplicate key '" + key + "' (first on line "
                        + keyLines.get(key) + ")");
            }
            entries.put(key, convert(tuple.getValueNode(), file, depth + 1));
            keyLines.put(key, line(keyNode));
        }
        // explicit keys win over merged ones; earlier merge sources win over later ones (YAML 1.1)
        for (Mapping source : merged) {
            source.entries().forEach((key, value) -> {
                if (!entries.containsKey(key)) {
                    entries.put(key, value);
                    keyLines.put(key, source.lineOf(key));
                }
            });
        }
        return new Mapping(entries, keyLines, line);
    }

    private static List<Mapping> mergeSources(Value value, String file) {
        if (value instanceof Mapping source) {
            return List.of(source);
        }
        List<Mapping> sources = new ArrayList<>();
        if (value instanceof Sequence sequence) {
            for (Value item : sequence.items()) {
                if (!(item instanceof Mapping source)) {
                    throw new PipelineException(file, item.line(), "a merge key (<<) takes mappings only");
                }
                sources.add(source);
            }
            return sources;
        }
        throw new PipelineException(file, value.line(), "a merge key (<<) takes a mapping or a list of mappings");
    }

    private static int line(Node node) {
        return node.getStartMark().map(Mark::getLine).map(line -> line + 1).orElse(0);
    }
}
