package dev.chorus.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chorus.engine.Constraint;
import dev.chorus.engine.InvalidRequest;
import dev.chorus.engine.constraint.JsonSchemaGrammar;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The fields that constrain what a completion may say, translated into the engine's {@link Constraint}:
 * OpenAI's {@code response_format} ({@code text}, {@code json_object}, {@code json_schema}), llama-server's
 * {@code grammar} (GBNF) and OpenAI's {@code logit_bias}. The engine compiles and applies them.
 */
final class ConstraintFields {
    /** OpenAI's rule for {@code json_schema.name}. */
    private static final Pattern SCHEMA_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private ConstraintFields() {
    }

    static Constraint parse(RequestFields fields) throws ApiException {
        Optional<String> grammar = fields.string("grammar").filter(text -> !text.isEmpty());
        Optional<String> format = responseFormat(fields);
        if (grammar.isPresent() && format.isPresent()) {
            throw ApiException.invalidValue("grammar", "Send either 'grammar' or a JSON 'response_format', not both.");
        }
        try {
            return new Constraint(grammar.or(() -> format), logitBias(fields));
        } catch (InvalidRequest e) {
            throw ApiException.invalidValue(e.param(), e.getMessage());
        }
    }

    /** The grammar a {@code response_format} asks for; empty for {@code text} or none. */
    private static Optional<String> responseFormat(RequestFields fields) throws ApiException {
        Optional<RequestFields> format = fields.object("response_format");
        if (format.isEmpty()) {
            return Optional.empty();
        }
        RequestFields response = format.get();
        String type = response.requiredString("type");
        switch (type) {
            case "text":
                return Optional.empty();
            case "json_object":
                return Optional.of(JsonSchemaGrammar.anyObject());
            case "json_schema":
                RequestFields jsonSchema = response.object("json_schema")
                        .orElseThrow(() -> ApiException.missing(response.path("json_schema")));
                String name = jsonSchema.requiredString("name");
                if (!SCHEMA_NAME.matcher(name).matches()) {
                    throw ApiException.invalidValue(jsonSchema.path("name"), "'" + jsonSchema.path("name")
                            + "' must be 1 to 64 letters, digits, '_' or '-'.");
                }
                jsonSchema.string("description");
                jsonSchema.bool("strict");
                String path = jsonSchema.path("schema");
                JsonNode schema = jsonSchema.present("schema");
                if (schema == null) {
                    throw ApiException.missing(path);
                }
                if (!schema.isObject()) {
                    throw ApiException.invalidType(path, "an object");
                }
                try {
                    return Optional.of(JsonSchemaGrammar.toGbnf(schema, path));
                } catch (InvalidRequest e) {
                    throw ApiException.invalidValue(e.param(), e.getMessage());
                }
            default:
                throw ApiException.invalidValue(response.path("type"), "'" + response.path("type")
                        + "' must be one of [text, json_object, json_schema], got '" + ApiException.echo(type) + "'.");
        }
    }

    /** {@code logit_bias}: token ids (as JSON object keys) to numbers. */
    private static Map<Integer, Float> logitBias(RequestFields fields) throws ApiException {
        Optional<RequestFields> object = fields.object("logit_bias");
        Map<Integer, Float> biases = new LinkedHashMap<>();
        if (object.isEmpty()) {
            return biases;
        }
        JsonNode node = fields.present("logit_bias");
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String path = "logit_bias." + ApiException.echo(entry.getKey());
            int token;
            try {
                token = Integer.parseInt(entry.getKey());
            } catch (NumberFormatException e) {
                throw ApiException.invalidValue("logit_bias", "'logit_bias' keys are token ids, got '"
                        + ApiException.echo(entry.getKey()) + "'.");
            }
            biases.put(token, (float) RequestFields.checkedNumber(entry.getValue(), path, -Constraint.MAX_BIAS,
                    Constraint.MAX_BIAS));
        }
        return biases;
    }
}
