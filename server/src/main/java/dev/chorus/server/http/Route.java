package dev.chorus.server.http;

import java.util.Objects;

/**
 * One endpoint.
 *
 * @param method    the one HTTP method it answers
 * @param path      the exact path, or a prefix when it ends with {@code /} (but {@code /} itself is exact)
 * @param protectedByKey whether the bearer key, when configured, is required
 * @param handler   what answers it
 */
record Route(String method, String path, boolean protectedByKey, ExchangeHandler handler) {
    Route {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(handler, "handler");
    }

    boolean matches(String requestPath) {
        return path.endsWith("/") && path.length() > 1
                ? requestPath.startsWith(path) && requestPath.length() > path.length()
                : path.equals(requestPath);
    }
}
