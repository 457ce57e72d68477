package dev.chorus.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A {@code text/event-stream} answer: one {@code data: {json}} event per chunk, flushed at once, then
 * {@code data: [DONE]}. A write to a client that went away throws {@link IOException}, the signal to cancel.
 */
final class SseStream {
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END_OF_EVENT = "\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] KEEP_ALIVE = ": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII);

    private final OutputStream out;

    private SseStream(OutputStream out) {
        this.out = out;
    }

    /** Sends the 200 status and event-stream headers; the body is chunked. */
    static SseStream open(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        exchange.sendResponseHeaders(200, 0);
        return new SseStream(exchange.getResponseBody());
    }

    void send(JsonNode event) throws IOException {
        out.write(DATA);
        out.write(Json.bytes(event));
        out.write(END_OF_EVENT);
        out.flush();
    }

    /** A comment line clients ignore: keeps proxies from timing out and finds a vanished client early. */
    void keepAlive() throws IOException {
        out.write(KEEP_ALIVE);
        out.flush();
    }

    void done() throws IOException {
        out.write(DONE);
        out.flush();
    }
}
