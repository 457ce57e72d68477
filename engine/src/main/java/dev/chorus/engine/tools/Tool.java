package dev.chorus.engine.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chorus.engine.InvalidRequest;
import dev.chorus.engine.constraint.JsonSchemaGrammar;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A function the model may call: OpenAI's {@code tools[i]} of type {@code function}.
 *
 * @param name        1 to 64 letters, digits, '_' or '-' (OpenAI's rule)
 * @param description what the function does, shown to the model; may be empty
 * @param parameters  the JSON Schema of its arguments, an object schema in the subset {@link JsonSchemaGrammar}
 *                    translates (an absent schema means "no arguments", as at OpenAI:
 *                    {@code {"type":"object","properties":{},"additionalProperties":false}})
 */
public record Tool(String name, String description, JsonNode parameters) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    /**
     * Checks the name and that the schema translates to a grammar.
     *
     * @param param the request field of this tool, {@code tools[2]}, for error messages
     * @throws InvalidRequest naming the field at fault
     */
    public static Tool of(String param, String name, Optional<String> description, Optional<JsonNode> parameters) {
        if (!NAME.matcher(name).matches()) {
            throw new InvalidRequest(param + ".function.name", "'" + param + ".function.name' must be 1 to 64 letters,"
                    + " digits, '_' or '-'.");
        }
        JsonNode schema = parameters.orElseGet(Tool::noArguments);
        String where = param + ".function.parameters";
        if (!schema.isObject() || schema.has("type") && !schema.get("type").asText().equals("object")) {
            throw new InvalidRequest(where, "'" + where + "' must be a JSON Schema of type 'object'.");
        }
        JsonSchemaGrammar.toGbnf(schema, where);
        return new Tool(name, description.orElse(""), schema);
    }

    public Tool {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(parameters, "parameters");
    }

    private static JsonNode noArguments() {
        ObjectNode schema = JsonNodeFactory.instance.objectNode().put("type", "object");
        schema.putObject("properties");
        // Closed: JSON Schema allows unlisted properties by default, which would let a call's arguments run on.
        return schema.put("additionalProperties", false);
    }
}
