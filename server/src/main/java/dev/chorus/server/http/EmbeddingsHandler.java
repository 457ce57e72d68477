package dev.chorus.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.chorus.engine.Embedding;
import dev.chorus.engine.EmbeddingInput;
import dev.chorus.engine.ServedModel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.OptionalInt;

/**
 * OpenAI's {@code POST /v1/embeddings}: {@code input} as a string, an array of strings, an array of token ids or an
 * array of arrays of token ids; {@code encoding_format} {@code float} (the default) or {@code base64} (the
 * little-endian float32 bytes, as OpenAI and llama-server send them); {@code dimensions} only as the model's own;
 * {@code user} accepted and ignored. The engine checks the rest and computes the vectors.
 */
final class EmbeddingsHandler implements ExchangeHandler {
    static final String PATH = "/v1/embeddings";
    private static final String INPUT_SHAPES =
            "a string, an array of strings, an array of token ids or an array of arrays of token ids";

    private final CompletionBackend backend;
    private final ServedModels models;
    private final long maxBodyBytes;
    private final Duration timeout;

    EmbeddingsHandler(CompletionBackend backend, ServedModels models, ServerOptions options) {
        this.backend = backend;
        this.models = models;
        this.maxBodyBytes = options.maxBodyBytes();
        this.timeout = options.requestTimeout();
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException, ApiException {
        RequestFields fields = new RequestFields(RequestBody.readObject(exchange, maxBodyBytes), "");
        ServedModel model = models.find(fields.requiredString("model"));
        Router.served(model.id());
        List<EmbeddingInput> inputs = inputs(fields);
        boolean base64 = base64(fields);
        OptionalInt dimensions = fields.integer("dimensions", 1, Integer.MAX_VALUE);
        fields.string("user");
        List<Embedding> embeddings = backend.embed(model, inputs, dimensions, timeout);
        ObjectNode body = Json.object().put("object", "list");
        ArrayNode data = body.putArray("data");
        int tokens = 0;
        for (int i = 0; i < embeddings.size(); i++) {
            Embedding embedding = embeddings.get(i);
            ObjectNode entry = data.addObject().put("object", "embedding").put("index", i);
            if (base64) {
                entry.put("embedding", littleEndianBase64(embedding.vector()));
            } else {
                ArrayNode vector = entry.putArray("embedding");
                for (float value : embedding.vector()) {
                    vector.add(value);
                }
            }
            tokens += embedding.tokens();
        }
        body.put("model", model.id());
        body.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
        Responses.json(exchange, 200, body);
    }

    private static List<EmbeddingInput> inputs(RequestFields fields) throws ApiException {
        JsonNode input = fields.present("input");
        if (input == null) {
            throw ApiException.missing("input");
        }
        if (input.isTextual()) {
            return List.of(EmbeddingInput.text(input.textValue()));
        }
        if (!input.isArray()) {
            throw ApiException.invalidType("input", INPUT_SHAPES);
        }
        if (!input.isEmpty() && input.get(0).isNumber()) {
            return List.of(EmbeddingInput.tokens(tokenIds(input, "input")));
        }
        List<EmbeddingInput> inputs = new ArrayList<>(input.size());
        for (int i = 0; i < input.size(); i++) {
            JsonNode element = input.get(i);
            if (element.isTextual()) {
                inputs.add(EmbeddingInput.text(element.textValue()));
            } else if (element.isArray()) {
                inputs.add(EmbeddingInput.tokens(tokenIds(element, "input[" + i + "]")));
            } else {
                throw ApiException.invalidType("input[" + i + "]", "a string or an array of token ids (input is "
                        + INPUT_SHAPES + ")");
            }
        }
        return inputs;
    }

    private static int[] tokenIds(JsonNode array, String path) throws ApiException {
        int[] tokens = new int[array.size()];
        for (int i = 0; i < tokens.length; i++) {
            JsonNode id = array.get(i);
            if (!id.isIntegralNumber() || !id.canConvertToInt()) {
                throw ApiException.invalidType(path + "[" + i + "]", "a token id");
            }
            tokens[i] = id.intValue();
        }
        return tokens;
    }

    private static boolean base64(RequestFields fields) throws ApiException {
        String format = fields.string("encoding_format").orElse("float");
        return switch (format) {
            case "float" -> false;
            case "base64" -> true;
            default -> throw ApiException.invalidValue("encoding_format", "'encoding_format' must be 'float' or"
                    + " 'base64', got '" + ApiException.echo(format) + "'.");
        };
    }

    private static String littleEndianBase64(float[] vector) {
        ByteBuffer bytes = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(vector);
        return Base64.getEncoder().encodeToString(bytes.array());
    }
}
