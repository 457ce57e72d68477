package dev.chorus.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.chorus.engine.ServedModel;

import java.io.IOException;
import java.util.Optional;

/**
 * llama-server's {@code POST /tokenize} ({@code {"content", "add_special", "with_pieces"}} → {@code {"tokens"}}) and
 * {@code POST /detokenize} ({@code {"tokens"}} → {@code {"content"}}), with a {@code model} field choosing the
 * vocabulary; without one, the first model or collaboration that has a local vocabulary.
 */
final class TokenizeHandler {
    /** The most tokens one {@code /detokenize} takes. */
    static final int MAX_TOKENS = 1 << 20;

    private final CompletionBackend backend;
    private final ServedModels models;
    private final long maxBodyBytes;

    TokenizeHandler(CompletionBackend backend, ServedModels models, long maxBodyBytes) {
        this.backend = backend;
        this.models = models;
        this.maxBodyBytes = maxBodyBytes;
    }

    void tokenize(HttpExchange exchange) throws IOException, ApiException {
        RequestFields fields = new RequestFields(RequestBody.readObject(exchange, maxBodyBytes), "");
        ServedModel model = model(fields);
        String content = fields.requiredString("content");
        boolean addSpecial = fields.bool("add_special").orElse(false);
        boolean withPieces = fields.bool("with_pieces").orElse(false);
        ObjectNode body = Json.object();
        ArrayNode tokens = body.putArray("tokens");
        for (int token : backend.tokenize(model, content, addSpecial)) {
            if (withPieces) {
                tokens.addObject().put("id", token).put("piece", backend.piece(model, token));
            } else {
                tokens.add(token);
            }
        }
        Responses.json(exchange, 200, body);
    }

    void detokenize(HttpExchange exchange) throws IOException, ApiException {
        RequestFields fields = new RequestFields(RequestBody.readObject(exchange, maxBodyBytes), "");
        ServedModel model = model(fields);
        ArrayNode array = fields.array("tokens").orElseThrow(() -> ApiException.missing("tokens"));
        if (array.size() > MAX_TOKENS) {
            throw ApiException.invalidValue("tokens", "'tokens' holds at most " + MAX_TOKENS + " ids.");
        }
        int[] tokens = new int[array.size()];
        for (int i = 0; i < tokens.length; i++) {
            JsonNode id = array.get(i);
            if (!id.canConvertToInt()) {
                throw ApiException.invalidType("tokens[" + i + "]", "a token id");
            }
            tokens[i] = id.intValue();
        }
        Responses.json(exchange, 200, Json.object().put("content", backend.detokenize(model, tokens)));
    }

    private ServedModel model(RequestFields fields) throws ApiException {
        Optional<String> id = fields.string("model");
        ServedModel model = id.isPresent() ? models.find(id.get())
                : models.list().stream().filter(each -> !each.orchestrated()).findFirst()
                        .orElseThrow(() -> ApiException.missing("model"));
        Router.served(model.id());
        return model;
    }
}
