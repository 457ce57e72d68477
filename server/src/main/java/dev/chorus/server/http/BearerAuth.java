package dev.chorus.server.http;

import com.sun.net.httpserver.HttpExchange;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/** Optional {@code Authorization: Bearer <key>} check; the comparison takes the same time for every wrong key. */
final class BearerAuth {
    private static final String SCHEME = "Bearer ";

    private final Optional<byte[]> key;

    BearerAuth(Optional<String> apiKey) {
        this.key = apiKey.map(value -> value.getBytes(StandardCharsets.UTF_8));
    }

    void check(HttpExchange exchange) throws ApiException {
        if (key.isEmpty()) {
            return;
        }
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (header == null || !header.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            throw unauthorized("Missing bearer token: send 'Authorization: Bearer <key>'.");
        }
        byte[] presented = header.substring(SCHEME.length()).trim().getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(presented, key.get())) {
            throw unauthorized("Incorrect API key provided.");
        }
    }

    private static ApiException unauthorized(String message) {
        return new ApiException(401, "invalid_request_error", null, "invalid_api_key", message);
    }
}
