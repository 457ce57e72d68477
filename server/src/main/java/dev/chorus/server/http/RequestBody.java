package dev.chorus.server.http;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads a JSON object body under a size limit. Chunked bodies (no {@code Content-Length}) are decoded by the
 * JDK server and limited while they are read; a declared length over the limit is refused before reading.
 */
final class RequestBody {
    private RequestBody() {
    }

    static ObjectNode readObject(HttpExchange exchange, long maxBytes) throws ApiException {
        checkDeclaredLength(exchange, maxBytes);
        byte[] body = readAtMost(exchange, maxBytes);
        if (body.length == 0) {
            throw ApiException.malformedBody("the body is empty; send a JSON object.");
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(body);
        } catch (JacksonException e) {
            throw ApiException.malformedBody(e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiException.malformedBody(e.getMessage());
        }
        if (!(node instanceof ObjectNode object)) {
            throw ApiException.malformedBody("expected a JSON object, got " + node.getNodeType() + ".");
        }
        return object;
    }

    private static void checkDeclaredLength(HttpExchange exchange, long maxBytes) throws ApiException {
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        if (declared == null) {
            return;
        }
        try {
            if (Long.parseLong(declared.trim()) > maxBytes) {
                throw tooLarge(maxBytes);
            }
        } catch (NumberFormatException e) {
            throw new ApiException(400, "invalid_request_error", null, "invalid_content_length",
                    "Content-Length is not a number: " + ApiException.echo(declared));
        }
    }

    private static byte[] readAtMost(HttpExchange exchange, long maxBytes) throws ApiException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = exchange.getRequestBody()) {
            for (int read; (read = in.read(buffer)) >= 0; ) {
                body.write(buffer, 0, read);
                if (body.size() > maxBytes) {
                    throw tooLarge(maxBytes);
                }
            }
        } catch (IOException e) {
            // The JDK server reports a body shorter than its Content-Length, or a broken chunk, this way.
            throw ApiException.malformedBody("the body ended early (" + e.getMessage() + ").");
        }
        return body.toByteArray();
    }

    private static ApiException tooLarge(long maxBytes) {
        return new ApiException(413, "invalid_request_error", null, "request_too_large",
                "The request body exceeds the limit of " + maxBytes + " bytes.");
    }
}
