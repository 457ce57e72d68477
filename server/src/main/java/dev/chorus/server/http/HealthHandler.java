package dev.chorus.server.http;

import com.sun.net.httpserver.HttpExchange;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.Map;

/**
 * {@code GET /health}: 200 with the engine's load while the server runs; 503 with {@code "status": "degraded"} and
 * the reasons once a model lost an rpc-server it runs on (its collaborations answer 503, the others still serve).
 * Never needs the API key.
 */
final class HealthHandler implements ExchangeHandler {
    private final CompletionBackend backend;

    HealthHandler(CompletionBackend backend) {
        this.backend = backend;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        Map<String, String> unavailable = backend.unavailableModels();
        ObjectNode unavailableJson = Json.object();
        unavailable.forEach(unavailableJson::put);
        ObjectNode health = Json.object()
                .put("status", unavailable.isEmpty() ? "ok" : "degraded")
                .put("active_sequences", backend.activeSequences())
                .put("queue_depth", backend.queueDepth());
        health.set("unavailable_models", unavailableJson);
        Responses.json(exchange, unavailable.isEmpty() ? 200 : 503, health);
    }
}
