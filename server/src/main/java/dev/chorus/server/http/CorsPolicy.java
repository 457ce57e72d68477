package dev.chorus.server.http;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Which web origins may call the server from a browser (CORS). By default the loopback origins — any scheme and port
 * on {@code localhost}, {@code 127.0.0.1} or {@code [::1]} — so a page served next to a local server can use it and
 * a page from anywhere else cannot; {@code --cors-origin} names others (an exact {@code scheme://host[:port]}, or
 * {@code *} for every origin). An allowed origin gets {@code Access-Control-Allow-Origin} on every answer, and a
 * preflight {@code OPTIONS} gets 204 with the methods and headers it asked for.
 *
 * @param origins the extra origins allowed, or {@code *}
 */
public record CorsPolicy(List<String> origins) {
    public static final CorsPolicy LOOPBACK = new CorsPolicy(List.of());
    private static final List<String> LOOPBACK_HOSTS = List.of("localhost", "127.0.0.1", "[::1]");

    public CorsPolicy {
        origins = List.copyOf(origins);
        for (String origin : origins) {
            if (!origin.equals("*") && !origin.matches("https?://[^/\\s]+")) {
                throw new IllegalArgumentException("a CORS origin is * or scheme://host[:port], got '" + origin + "'");
            }
        }
    }

    boolean allows(String origin) {
        if (origins.contains("*") || origins.contains(origin)) {
            return true;
        }
        try {
            URI uri = new URI(origin);
            String host = uri.getHost();
            return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && host != null
                    && LOOPBACK_HOSTS.contains(host.toLowerCase(Locale.ROOT));
        } catch (URISyntaxException e) {
            return false;
        }
    }

    /** Adds the CORS headers for the exchange's {@code Origin}, if it has one that is allowed; returns whether. */
    boolean addHeaders(HttpExchange exchange) {
        Optional<String> origin = Optional.ofNullable(exchange.getRequestHeaders().getFirst("Origin"));
        Headers response = exchange.getResponseHeaders();
        response.add("Vary", "Origin");
        if (origin.isEmpty() || !allows(origin.get())) {
            return false;
        }
        response.set("Access-Control-Allow-Origin", origin.get());
        response.set("Access-Control-Expose-Headers", "Retry-After");
        return true;
    }

    /** Whether the exchange is a preflight request: {@code OPTIONS} with {@code Access-Control-Request-Method}. */
    static boolean isPreflight(HttpExchange exchange) {
        return exchange.getRequestMethod().equals("OPTIONS")
                && exchange.getRequestHeaders().containsKey("Access-Control-Request-Method");
    }

    /** Answers a preflight: 204 with the allowed methods and the headers asked for (only for an allowed origin). */
    void answerPreflight(HttpExchange exchange, String allowedMethods) throws IOException {
        if (addHeaders(exchange)) {
            Headers response = exchange.getResponseHeaders();
            response.set("Access-Control-Allow-Methods", allowedMethods);
            String asked = exchange.getRequestHeaders().getFirst("Access-Control-Request-Headers");
            response.set("Access-Control-Allow-Headers", asked != null && asked.matches("[A-Za-z0-9, _-]{1,512}")
                    ? asked : "Authorization, Content-Type");
            response.set("Access-Control-Max-Age", "600");
        }
        exchange.sendResponseHeaders(204, -1);
    }
}
