package dev.chorus.server.http;

import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;

/** {@code GET /health}: 200 with the engine's load while the server runs; never needs the API key. */
final class HealthHandler implements ExchangeHandler {
    private final CompletionBackend backend;

    HealthHandler(CompletionBackend backend) {
        this.backend = backend;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        Responses.json(exchange, 200, Json.object()
                .put("status", "ok")
                .put("active_sequences", backend.activeSequences())
                .put("queue_depth", backend.queueDepth()));
    }
}
