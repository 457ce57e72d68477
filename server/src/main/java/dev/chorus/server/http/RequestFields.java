package dev.chorus.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Typed, range-checked access to the fields of one JSON object of a request. A JSON {@code null} counts as absent
 * (OpenAI clients send explicit nulls); a present value of the wrong JSON type is a 400 naming the field by its
 * path, e.g. {@code messages[2].content} or {@code chorus.weights[1]}.
 */
final class RequestFields {
    private final ObjectNode object;
    private final String prefix;

    RequestFields(ObjectNode object, String path) {
        this.object = object;
        this.prefix = path.isEmpty() ? "" : path + ".";
    }

    /** The path of a field of this object, as errors name it. */
    String path(String name) {
        return prefix + name;
    }

    boolean has(String name) {
        JsonNode node = object.get(name);
        return node != null && !node.isNull();
    }

    String requiredString(String name) throws ApiException {
        return string(name).orElseThrow(() -> ApiException.missing(path(name)));
    }

    Optional<String> string(String name) throws ApiException {
        JsonNode node = present(name);
        if (node == null) {
            return Optional.empty();
        }
        if (!node.isTextual()) {
            throw ApiException.invalidType(path(name), "a string");
        }
        return Optional.of(node.textValue());
    }

    Optional<Boolean> bool(String name) throws ApiException {
        JsonNode node = present(name);
        if (node == null) {
            return Optional.empty();
        }
        if (!node.isBoolean()) {
            throw ApiException.invalidType(path(name), "a boolean");
        }
        return Optional.of(node.booleanValue());
    }

    /** Any number a float holds; the engine checks its range. */
    OptionalDouble number(String name) throws ApiException {
        return number(name, -Float.MAX_VALUE, Float.MAX_VALUE);
    }

    /** A number in [min, max]. */
    OptionalDouble number(String name, double min, double max) throws ApiException {
        JsonNode node = present(name);
        if (node == null) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(checkedNumber(node, path(name), min, max));
    }

    /** Any int; the engine checks its range. */
    OptionalInt integer(String name) throws ApiException {
        return integer(name, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    /** An integer (no fraction) in [min, max]. */
    OptionalInt integer(String name, int min, int max) throws ApiException {
        JsonNode node = present(name);
        if (node == null) {
            return OptionalInt.empty();
        }
        if (!node.isIntegralNumber()) {
            throw ApiException.invalidType(path(name), "an integer");
        }
        if (!node.canConvertToInt() || node.intValue() < min || node.intValue() > max) {
            throw ApiException.invalidValue(path(name),
                    "'" + path(name) + "' must be an integer from " + min + " to " + max + ", got " + node + ".");
        }
        return OptionalInt.of(node.intValue());
    }

    /** Any 64-bit integer (a seed). */
    OptionalLong longInteger(String name) throws ApiException {
        JsonNode node = present(name);
        if (node == null) {
            return OptionalLong.empty();
        }
        if (!node.isIntegralNumber()) {
            throw ApiException.invalidType(path(name), "an integer");
        }
        if (!node.canConvertToLong()) {
            throw ApiException.invalidValue(path(name), "'" + path(name) + "' must fit in 64 bits, got "
                    + ApiException.echo(node.toString()) + ".");
        }
        return OptionalLong.of(node.longValue());
    }

    Optional<RequestFields> object(String name) throws ApiException {
        JsonNode node = present(name);
        if (node == null) {
            return Optional.empty();
        }
        if (!(node instanceof ObjectNode child)) {
            throw ApiException.invalidType(path(name), "an object");
        }
        return Optional.of(new RequestFields(child, path(name)));
    }

    Optional<ArrayNode> array(String name) throws ApiException {
        JsonNode node = present(name);
        if (node == null) {
            return Optional.empty();
        }
        if (!(node instanceof ArrayNode array)) {
            throw ApiException.invalidType(path(name), "an array");
        }
        return Optional.of(array);
    }

    /** A string or an array of strings, e.g. {@code stop}; empty when absent. */
    List<String> stringOrStrings(String name) throws ApiException {
        JsonNode node = present(name);
        if (node == null) {
            return List.of();
        }
        if (node.isTextual()) {
            return List.of(node.textValue());
        }
        if (!node.isArray()) {
            throw ApiException.invalidType(path(name), "a string or an array of strings");
        }
        List<String> values = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            if (!node.get(i).isTextual()) {
                throw ApiException.invalidType(path(name) + "[" + i + "]", "a string");
            }
            values.add(node.get(i).textValue());
        }
        return values;
    }

    /** Element {@code index} of an array field as an object, named {@code name[index]} in errors. */
    static RequestFields element(ArrayNode array, String arrayPath, int index) throws ApiException {
        String path = arrayPath + "[" + index + "]";
        if (!(array.get(index) instanceof ObjectNode element)) {
            throw ApiException.invalidType(path, "an object");
        }
        return new RequestFields(element, path);
    }

    /** A number in [min, max] at {@code path}, for array elements and fields alike. */
    static double checkedNumber(JsonNode node, String path, double min, double max) throws ApiException {
        if (!node.isNumber()) {
            throw ApiException.invalidType(path, "a number");
        }
        double value = node.doubleValue();
        if (!(value >= min && value <= max)) {
            throw ApiException.invalidValue(path,
                    "'" + path + "' must be from " + min + " to " + max + ", got " + node + ".");
        }
        return value;
    }

    /** The raw value of a field, or null when it is absent or JSON null. */
    JsonNode present(String name) {
        JsonNode node = object.get(name);
        return node == null || node.isNull() ? null : node;
    }
}
