package dev.chorus.server.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.chorus.engine.InvalidRequest;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;

/**
 * The one handler of the server: finds the route (404 unknown path, 405 wrong method), checks the key, runs the
 * route and turns an {@link ApiException} or an unexpected failure into an OpenAI error response, then counts
 * the request under the model its handler named with {@link #served}. That name is per exchange, bound for the
 * handler's run in a {@link ScopedValue}: {@code HttpExchange.setAttribute} would store it in the context's attributes,
 * which every exchange of the context shares, so overlapping requests would count under each other's model.
 */
final class Router implements HttpHandler {
    private static final ScopedValue<ServedName> SERVED = ScopedValue.newInstance();
    private static final Logger LOG = System.getLogger(Router.class.getName());

    private final List<Route> routes;
    private final BearerAuth auth;
    private final ServerMetrics metrics;
    private final CorsPolicy cors;

    Router(List<Route> routes, BearerAuth auth, ServerMetrics metrics, CorsPolicy cors) {
        this.routes = List.copyOf(routes);
        this.auth = auth;
        this.metrics = metrics;
        this.cors = cors;
    }

    @Override
    public void handle(HttpExchange exchange) {
        String path = exchange.getRequestURI().getPath();
        String endpoint = "unmatched";
        ServedName served = new ServedName();
        try {
            List<Route> candidates = routes.stream().filter(route -> route.matches(path)).toList();
            if (candidates.isEmpty()) {
                throw new ApiException(404, "invalid_request_error", null, "not_found",
                        "No endpoint " + ApiException.echo(path) + "; this server answers /v1/models, /v1/chat/completions, "
                                + "/v1/completions, /v1/embeddings, /tokenize, /detokenize, /props, /health, /metrics"
                                + " and the playground at /.");
            }
            if (CorsPolicy.isPreflight(exchange)) {
                endpoint = candidates.getFirst().path();
                cors.answerPreflight(exchange, allowed(candidates));
                return;
            }
            cors.addHeaders(exchange);
            // HEAD runs the GET route and sends no body.
            boolean head = exchange.getRequestMethod().equals("HEAD");
            String method = head ? "GET" : exchange.getRequestMethod();
            Route route = candidates.stream()
                    .filter(candidate -> candidate.method().equals(method))
                    .findFirst()
                    .orElseThrow(() -> methodNotAllowed(exchange, candidates));
            endpoint = route.path();
            if (route.protectedByKey()) {
                auth.check(exchange);
            }
            run(route, head ? new HeadExchange(exchange) : exchange, served);
        } catch (ApiException e) {
            respond(exchange, e);
        } catch (InvalidRequest e) {
            respond(exchange, ApiException.invalid(e));
        } catch (IOException e) {
            LOG.log(Level.DEBUG, () -> "client went away during " + path + ": " + e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "unexpected failure answering " + path, e);
            respond(exchange, new ApiException(500, "server_error", null, "internal_error",
                    "The server failed (" + e.getClass().getSimpleName() + "); its log has the details."));
        } finally {
            metrics.request(endpoint, served.name, exchange.getResponseCode());
            exchange.close();
        }
    }

    /** Names the model the current exchange serves, for its metrics; called by a route's handler. */
    static void served(String model) {
        SERVED.get().name = model;
    }

    private static void run(Route route, HttpExchange exchange, ServedName served) throws IOException, ApiException {
        try {
            ScopedValue.where(SERVED, served).call(() -> {
                route.handler().handle(exchange);
                return null;
            });
        } catch (IOException | ApiException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("a handler threw " + e, e);
        }
    }

    /** The model one exchange served; empty until its handler names it. */
    private static final class ServedName {
        private String name = "";
    }

    /** The methods a path answers: its routes', HEAD with GET, and OPTIONS (preflight). */
    private static String allowed(List<Route> candidates) {
        List<String> methods = new ArrayList<>(candidates.stream().map(Route::method).distinct().toList());
        if (methods.contains("GET")) {
            methods.add("HEAD");
        }
        methods.add("OPTIONS");
        return String.join(", ", methods);
    }

    private static ApiException methodNotAllowed(HttpExchange exchange, List<Route> candidates) {
        String allowed = allowed(candidates);
        exchange.getResponseHeaders().set("Allow", allowed);
        return new ApiException(405, "invalid_request_error", null, "method_not_allowed",
                ApiException.echo(exchange.getRequestMethod()) + " is not allowed here; use " + allowed + ".");
    }

    /** Sends the error unless a response is already under way (a stream reports its own errors). */
    private static void respond(HttpExchange exchange, ApiException error) {
        if (exchange.getResponseCode() != -1) {
            return;
        }
        if (error.status() == 429) {
            exchange.getResponseHeaders().set("Retry-After", "1");
        }
        if (error.status() == 413) {
            // The unread body may be arbitrarily long: close rather than drain it for the next request.
            exchange.getResponseHeaders().set("Connection", "close");
        }
        try {
            Responses.error(exchange, error);
        } catch (IOException e) {
            LOG.log(Level.DEBUG, () -> "client went away before its error: " + e.getMessage());
        }
    }
}
