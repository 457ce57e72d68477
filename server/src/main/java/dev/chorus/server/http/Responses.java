package dev.chorus.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Complete (non-streamed) responses. */
final class Responses {
    private Responses() {
    }

    static void json(HttpExchange exchange, int status, JsonNode body) throws IOException {
        send(exchange, status, "application/json", Json.bytes(body));
    }

    static void error(HttpExchange exchange, ApiException error) throws IOException {
        json(exchange, error.status(), Json.error(error));
    }

    static void text(HttpExchange exchange, String contentType, String body) throws IOException {
        send(exchange, 200, contentType, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
