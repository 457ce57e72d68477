package dev.chorus.engine.config;

import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.DoublePredicate;

/**
 * A YAML mapping node read with its positions: every accessor that finds a missing key, an unknown key, a duplicate
 * key, a wrong type or an out-of-range value throws {@link ConfigException} at the line of the offending node.
 */
final class YamlMapping {
    private final Path file;
    private final Node node;
    private final String owner;
    private final Map<String, NodeTuple> entries = new LinkedHashMap<>();

    /**
     * @param owner       what the mapping describes, for messages ("model 'base'")
     * @param allowedKeys keys this mapping may hold, in the order a message lists them
     */
    YamlMapping(Path file, Node node, String owner, List<String> allowedKeys) {
        this.file = file;
        this.node = node;
        this.owner = owner;
        entries.putAll(entries(file, node, owner, "a mapping of " + allowedKeys));
        Set<String> allowed = Set.copyOf(allowedKeys);
        entries.forEach((key, tuple) -> {
            if (!allowed.contains(key)) {
                throw new ConfigException(location(file, tuple.getKeyNode()),
                        "unknown key '" + key + "' in " + owner + "; allowed keys: " + String.join(", ", allowedKeys));
            }
        });
    }

    /**
     * The entries of a mapping whose keys are plain strings (names or field names), in file order; a non-mapping
     * node, a non-string key or a duplicate key is an error.
     */
    static Map<String, NodeTuple> entries(Path file, Node node, String owner, String expected) {
        if (!(node instanceof MappingNode mapping)) {
            throw new ConfigException(location(file, node), owner + " must be " + expected);
        }
        Map<String, NodeTuple> entries = new LinkedHashMap<>();
        for (NodeTuple tuple : mapping.getValue()) {
            Node keyNode = tuple.getKeyNode();
            if (!(keyNode instanceof ScalarNode scalar) || !scalar.getTag().equals(Tag.STR) || scalar.getValue().isBlank()) {
                throw new ConfigException(location(file, keyNode), "keys of " + owner + " must be plain strings");
            }
            NodeTuple earlier = entries.putIfAbsent(scalar.getValue(), tuple);
            if (earlier != null) {
                throw new ConfigException(location(file, keyNode), "duplicate key '" + scalar.getValue() + "' in "
                        + owner + " (first at line " + location(file, earlier.getKeyNode()).line() + ")");
            }
        }
        return entries;
    }

    static ConfigLocation location(Path file, Node node) {
        return new ConfigLocation(file, node.getStartMark().getLine() + 1, node.getStartMark().getColumn() + 1);
    }

    ConfigLocation location() {
        return location(file, node);
    }

    /** The position of a key's value, or of this mapping when the key is absent. */
    ConfigLocation location(String key) {
        return optional(key).map(value -> location(file, value)).orElseGet(this::location);
    }

    Optional<Node> optional(String key) {
        return Optional.ofNullable(entries.get(key)).map(NodeTuple::getValueNode);
    }

    Node required(String key) {
        return optional(key).orElseThrow(() -> new ConfigException(location(), owner + " is missing '" + key + "'"));
    }

    String requiredString(String key) {
        return string(key, required(key));
    }

    Optional<String> optionalString(String key) {
        return optional(key).map(value -> string(key, value));
    }

    /** An integer that must be at least {@code min}; {@code fallback} when the key is absent. */
    int integer(String key, int fallback, int min) {
        Optional<Node> value = optional(key);
        if (value.isEmpty()) {
            return fallback;
        }
        ScalarNode scalar = scalar(key, value.get(), Tag.INT, "an integer");
        long parsed;
        try {
            parsed = Long.decode(scalar.getValue().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new ConfigException(location(file, scalar), "'" + key + "' of " + owner + " must be an integer, got "
                    + scalar.getValue());
        }
        if (parsed < min || parsed > Integer.MAX_VALUE) {
            throw new ConfigException(location(file, scalar), "'" + key + "' of " + owner + " must be an integer >= "
                    + min + ", got " + scalar.getValue());
        }
        return (int) parsed;
    }

    /** A finite number that passes {@code valid} (described by {@code rule}, e.g. "> 0"); {@code fallback} when absent. */
    float number(String key, float fallback, DoublePredicate valid, String rule) {
        Optional<Node> value = optional(key);
        return value.isEmpty() ? fallback : number(key, value.get(), valid, rule);
    }

    float requiredNumber(String key, DoublePredicate valid, String rule) {
        return number(key, required(key), valid, rule);
    }

    List<Node> sequence(String key) {
        Node value = required(key);
        if (!(value instanceof SequenceNode sequence) || sequence.getValue().isEmpty()) {
            throw new ConfigException(location(file, value), "'" + key + "' of " + owner + " must be a non-empty list");
        }
        return sequence.getValue();
    }

    /** A list of non-empty strings ({@code members: [kjv, pydocs]}). */
    List<String> strings(String key) {
        return sequence(key).stream().map(item -> string(key, item)).toList();
    }

    /** A non-empty list of finite numbers that pass {@code valid} ({@code tensor_split: [3, 1]}). */
    List<Double> numbers(String key, DoublePredicate valid, String rule) {
        return sequence(key).stream().map(item -> (double) number(key, item, valid, rule)).toList();
    }

    /** Who owns this mapping, for messages: {@code model 'kjv'}. */
    String owner() {
        return owner;
    }

    /** A number that may also be YAML's {@code .inf} or {@code -.inf} (a threshold that always or never passes). */
    double numberOrInfinity(String key, double fallback) {
        Optional<Node> value = optional(key);
        if (value.isEmpty()) {
            return fallback;
        }
        if (value.get() instanceof ScalarNode scalar && scalar.getTag().equals(Tag.FLOAT)) {
            switch (scalar.getValue().toLowerCase(Locale.ROOT)) {
                case ".inf", "+.inf" -> {
                    return Double.POSITIVE_INFINITY;
                }
                case "-.inf" -> {
                    return Double.NEGATIVE_INFINITY;
                }
                default -> {
                }
            }
        }
        return number(key, value.get(), x -> true, "a number, .inf or -.inf");
    }

    private float number(String key, Node value, DoublePredicate valid, String rule) {
        if (!(value instanceof ScalarNode scalar)
                || !(scalar.getTag().equals(Tag.INT) || scalar.getTag().equals(Tag.FLOAT))) {
            throw new ConfigException(location(file, value), "'" + key + "' of " + owner + " must be a number");
        }
        double parsed;
        try {
            parsed = Double.parseDouble(scalar.getValue().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new ConfigException(location(file, scalar), "'" + key + "' of " + owner + " must be a finite number, got "
                    + scalar.getValue());
        }
        if (!Double.isFinite(parsed) || !valid.test(parsed)) {
            throw new ConfigException(location(file, scalar), "'" + key + "' of " + owner + " must be " + rule + ", got "
                    + scalar.getValue());
        }
        return (float) parsed;
    }

    private String string(String key, Node value) {
        ScalarNode scalar = scalar(key, value, Tag.STR, "a string");
        if (scalar.getValue().isBlank()) {
            throw new ConfigException(location(file, scalar), "'" + key + "' of " + owner + " must not be empty");
        }
        return scalar.getValue();
    }

    private ScalarNode scalar(String key, Node value, Tag tag, String description) {
        if (!(value instanceof ScalarNode scalar) || !scalar.getTag().equals(tag)) {
            throw new ConfigException(location(file, value), "'" + key + "' of " + owner + " must be " + description);
        }
        return scalar;
    }
}
