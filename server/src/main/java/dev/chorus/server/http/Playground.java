package dev.chorus.server.http;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * The web playground: {@code GET /} and its few assets under {@code /ui/}, read once from the server jar
 * ({@code dev/chorus/server/web/}). Only the files listed here are served, so no request path reaches the class path.
 * The page needs no key (it asks the user for one when the API does) and loads nothing from elsewhere, which its
 * content security policy enforces.
 */
final class Playground {
    static final String ASSETS = "/ui/";
    private static final String FOLDER = "/dev/chorus/server/web/";
    private static final Map<String, String> TYPES = Map.of(
            "index.html", "text/html; charset=utf-8",
            "app.js", "text/javascript; charset=utf-8",
            "chorus-view.js", "text/javascript; charset=utf-8",
            "style.css", "text/css; charset=utf-8");
    private static final String POLICY = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'";

    private final Map<String, byte[]> files;

    private Playground(Map<String, byte[]> files) {
        this.files = files;
    }

    /** Reads every asset from the class path; a missing one is a broken build. */
    static Playground load() {
        Map<String, byte[]> files = new HashMap<>();
        for (String name : TYPES.keySet()) {
            try (InputStream in = Playground.class.getResourceAsStream(FOLDER + name)) {
                if (in == null) {
                    throw new IllegalStateException("the server jar lacks " + FOLDER + name);
                }
                files.put(name, in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + FOLDER + name, e);
            }
        }
        return new Playground(Map.copyOf(files));
    }

    /** {@code GET /}. */
    void page(HttpExchange exchange) throws IOException {
        send(exchange, "index.html");
    }

    /** {@code GET /ui/NAME}: 404 for anything but the listed assets. */
    void asset(HttpExchange exchange) throws IOException, ApiException {
        String name = exchange.getRequestURI().getPath().substring(ASSETS.length());
        if (name.equals("index.html") || !files.containsKey(name)) {
            throw new ApiException(404, "invalid_request_error", null, "not_found",
                    "No playground file " + ApiException.echo(name) + ".");
        }
        send(exchange, name);
    }

    private void send(HttpExchange exchange, String name) throws IOException {
        byte[] body = files.get(name);
        Headers headers = exchange.getResponseHeaders();
        headers.set("Content-Type", TYPES.get(name));
        headers.set("Content-Security-Policy", POLICY);
        headers.set("X-Content-Type-Options", "nosniff");
        headers.set("Cache-Control", "no-cache");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
