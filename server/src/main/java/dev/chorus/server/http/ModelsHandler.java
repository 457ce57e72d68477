package dev.chorus.server.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.chorus.engine.ServedModel;

import java.io.IOException;

/**
 * {@code GET /v1/models} and {@code GET /v1/models/{id}}: every served model and collaboration, with the extension
 * object {@code chorus} giving its kind, fusion method, members and their configured weights (the order a
 * request's {@code chorus.weights} follow); an orchestration lists only its kind and members.
 */
final class ModelsHandler {
    static final String PATH = "/v1/models";

    private final ServedModels models;
    private final long created;

    ModelsHandler(ServedModels models, long created) {
        this.models = models;
        this.created = created;
    }

    void list(HttpExchange exchange) throws IOException {
        ObjectNode body = Json.object().put("object", "list");
        ArrayNode data = body.putArray("data");
        models.list().forEach(model -> data.add(card(model)));
        Responses.json(exchange, 200, body);
    }

    void retrieve(HttpExchange exchange) throws IOException, ApiException {
        String id = exchange.getRequestURI().getPath().substring(PATH.length() + 1);
        ServedModel model = models.find(id);
        Router.served(model.id());
        Responses.json(exchange, 200, card(model));
    }

    private ObjectNode card(ServedModel model) {
        ObjectNode card = Json.object()
                .put("id", model.id())
                .put("object", "model")
                .put("created", created)
                .put("owned_by", "chorus");
        card.set("chorus", composition(model));
        return card;
    }

    /** The extension object {@code chorus} of a served name: its kind, fusion method, members and weights. */
    static ObjectNode composition(ServedModel model) {
        ObjectNode chorus = Json.object().put("kind", model.kind());
        model.method().ifPresent(method -> chorus.put("method", method));
        ArrayNode members = chorus.putArray("members");
        model.members().forEach(members::add);
        if (!model.orchestrated()) {
            ArrayNode weights = chorus.putArray("weights");
            model.weights().forEach(weights::add);
        }
        return chorus;
    }
}
