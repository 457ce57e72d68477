package dev.chorus.server.http;

import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;

/** Answers one routed request; an {@link ApiException} becomes an OpenAI error response. */
@FunctionalInterface
interface ExchangeHandler {
    void handle(HttpExchange exchange) throws IOException, ApiException;
}
