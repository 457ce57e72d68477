package dev.chorus.server.http;

import com.sun.net.httpserver.HttpExchange;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * Optional {@code Authorization: Bearer <key>} check. Keys are compared as SHA-256 digests with
 * {@link MessageDigest#isEqual}, which takes the same time for every wrong key, whatever its length.
 */
final class BearerAuth {
    private static final String SCHEME = "Bearer ";

    private final Optional<byte[]> keyDigest;

    BearerAuth(Optional<String> apiKey) {
        this.keyDigest = apiKey.map(BearerAuth::digest);
    }

    void check(HttpExchange exchange) throws ApiException {
        if (keyDigest.isEmpty()) {
            return;
        }
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (header == null || !header.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            throw unauthorized("Missing bearer token: send 'Authorization: Bearer <key>'.");
        }
        if (!MessageDigest.isEqual(digest(header.substring(SCHEME.length()).trim()), keyDigest.get())) {
            throw unauthorized("Incorrect API key provided.");
        }
    }

    private static byte[] digest(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK provides SHA-256", e);
        }
    }

    private static ApiException unauthorized(String message) {
        return new ApiException(401, "invalid_request_error", null, "invalid_api_key", message);
    }
}
