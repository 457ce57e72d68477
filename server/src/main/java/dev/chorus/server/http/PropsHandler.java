package dev.chorus.server.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.chorus.engine.ModelInfo;
import dev.chorus.engine.ServedInfo;
import dev.chorus.engine.ServedModel;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * llama-server's {@code GET /props} for a server of several models: {@code /props?model=NAME} (the query llama-server's
 * router mode takes) answers for one served name, {@code /props} alone for the first. llama-server's fields where they
 * mean the same here ({@code default_generation_settings}, {@code total_slots}, {@code model_alias}, {@code model_path},
 * {@code chat_template}, {@code bos_token}, {@code eos_token}, {@code modalities}, {@code build_info}, the
 * {@code endpoint_*} switches), and an extension object {@code chorus} with the kind, members and weights, the
 * embeddings and every loaded model the name decodes with. The shape is in {@code docs/api.md}.
 */
final class PropsHandler implements ExchangeHandler {
    static final String PATH = "/props";

    private final CompletionBackend backend;
    private final ServedModels models;
    private final String chorusVersion;

    PropsHandler(CompletionBackend backend, ServedModels models, String chorusVersion) {
        this.backend = backend;
        this.models = models;
        this.chorusVersion = chorusVersion;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException, ApiException {
        Optional<String> asked = queryValue(exchange.getRequestURI().getRawQuery(), "model");
        ServedModel model = asked.isPresent() ? models.find(asked.get()) : models.list().getFirst();
        Router.served(model.id());
        ServedInfo info = backend.info(model);
        ObjectNode body = Json.object();
        ObjectNode settings = body.putObject("default_generation_settings").put("n_ctx", info.contextTokens());
        settings.putObject("params")
                .put("temperature", CompletionRequestParser.TEMPERATURE)
                .put("top_k", CompletionRequestParser.TOP_K)
                .put("top_p", CompletionRequestParser.TOP_P)
                .put("min_p", CompletionRequestParser.MIN_P)
                .put("repeat_penalty", CompletionRequestParser.REPEAT_PENALTY)
                .put("presence_penalty", CompletionRequestParser.PRESENCE_PENALTY)
                .put("frequency_penalty", CompletionRequestParser.FREQUENCY_PENALTY)
                .put("max_tokens", -1)
                .put("n_probs", 0)
                .put("stream", false);
        info.slots().ifPresent(slots -> body.put("total_slots", slots));
        body.put("model_alias", model.id());
        if (info.models().size() == 1) {
            body.put("model_path", info.models().getFirst().file().toString());
        }
        info.chatTemplate().ifPresent(template -> body.put("chat_template", template));
        info.bosToken().ifPresent(token -> body.put("bos_token", token));
        info.eosToken().ifPresent(token -> body.put("eos_token", token));
        body.putObject("modalities").put("vision", false).put("audio", false);
        body.put("build_info", chorusVersion + "; " + backend.llamaBuild());
        body.put("is_sleeping", false);
        body.put("endpoint_slots", false).put("endpoint_props", false).put("endpoint_metrics", true);
        body.set("chorus", extension(model, info));
        Responses.json(exchange, 200, body);
    }

    private static ObjectNode extension(ServedModel model, ServedInfo info) {
        ObjectNode chorus = ModelsHandler.composition(model);
        info.vocabularySize().ifPresent(size -> chorus.put("n_vocab", size));
        if (info.embeddingDimensions().isPresent()) {
            ModelInfo embedder = info.models().getFirst();
            chorus.putObject("embeddings")
                    .put("dimensions", info.embeddingDimensions().getAsInt())
                    .put("pooling", embedder.pooling().orElseThrow())
                    .put("max_input_tokens", embedder.embeddingTokens());
        } else {
            chorus.putNull("embeddings");
        }
        ArrayNode loaded = chorus.putArray("models");
        for (ModelInfo each : info.models()) {
            loaded.addObject()
                    .put("name", each.name())
                    .put("path", each.file().toString())
                    .put("description", each.description())
                    .put("n_params", each.parameters())
                    .put("size", each.sizeBytes())
                    .put("n_ctx_train", each.trainedContext())
                    .put("n_embd", each.hiddenSize())
                    .put("n_layer", each.layers())
                    .put("n_vocab", each.vocabularySize())
                    .put("slots", each.slots())
                    .put("n_ctx_slot", each.contextTokens());
        }
        return chorus;
    }

    /**
     * The first value of {@code name} in a raw query string, URL-decoded (the JDK's HTTP layer has refused a
     * malformed escape already, as the request line would not be a URI).
     */
    private static Optional<String> queryValue(String rawQuery, String name) {
        if (rawQuery == null) {
            return Optional.empty();
        }
        for (String pair : rawQuery.split("&")) {
            int equals = pair.indexOf('=');
            String key = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
            if (key.equals(name)) {
                return Optional.of(equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
            }
        }
        return Optional.empty();
    }
}
