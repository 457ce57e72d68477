package dev.chorus.server.http;

import com.sun.net.httpserver.HttpServer;
import dev.chorus.engine.Engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The OpenAI-compatible HTTP server: the JDK's {@code com.sun.net.httpserver} (HTTP/1.1; an {@code Upgrade: h2c}
 * header is ignored) with one virtual thread per exchange, so a request blocked on the engine costs no platform
 * thread. Closing stops accepting, gives running exchanges a moment, and stops their threads.
 */
public final class ChorusServer implements AutoCloseable {
    private static final int BACKLOG = 512;
    private static final int STOP_GRACE_SECONDS = 1;

    private final HttpServer server;
    private final ExecutorService executor;

    private ChorusServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Serves every model and collaboration of {@code engine} as {@code options} say; returns once the port is
     * bound. The engine stays the caller's to close, after the server.
     */
    public static ChorusServer start(ServerOptions options, Engine engine) {
        return start(options, new EngineBackend(engine));
    }

    static ChorusServer start(ServerOptions options, CompletionBackend backend) {
        ServedModels models = new ServedModels(backend.models());
        ServerMetrics metrics = new ServerMetrics();
        CompletionRequestParser parser = new CompletionRequestParser();
        ModelsHandler modelsHandler = new ModelsHandler(models, System.currentTimeMillis() / 1000);
        Playground playground = Playground.load();
        TokenizeHandler tokenizeHandler = new TokenizeHandler(backend, models, options.maxBodyBytes());
        PropsHandler propsHandler = new PropsHandler(backend, models, version());
        List<Route> routes = List.of(
                new Route("POST", "/v1/chat/completions", true,
                        new CompletionHandler(parser::chat, ChatShape.INSTANCE, backend, models, metrics, options)),
                new Route("POST", "/v1/completions", true,
                        new CompletionHandler(parser::text, TextShape.INSTANCE, backend, models, metrics, options)),
                new Route("GET", ModelsHandler.PATH, true, modelsHandler::list),
                new Route("GET", ModelsHandler.PATH + "/", true, modelsHandler::retrieve),
                new Route("POST", EmbeddingsHandler.PATH, true, new EmbeddingsHandler(backend, models, options)),
                new Route("POST", "/tokenize", true, tokenizeHandler::tokenize),
                new Route("POST", "/detokenize", true, tokenizeHandler::detokenize),
                new Route("GET", PropsHandler.PATH, true, propsHandler),
                new Route("GET", "/health", false, new HealthHandler(backend)),
                new Route("GET", EvalResultsHandler.PATH, true, new EvalResultsHandler(options.evalResults())),
                new Route("GET", "/", false, playground::page),
                new Route("GET", Playground.ASSETS, false, playground::asset),
                new Route("GET", "/metrics", true,
                        exchange -> Responses.text(exchange, PrometheusText.CONTENT_TYPE, metrics.render(backend))));
        HttpLimits.applyDefaults();
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(options.host(), options.port()), BACKLOG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + options.host() + ":" + options.port(), e);
        }
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        server.createContext("/", new Router(routes, new BearerAuth(options.apiKey()), metrics, options.cors()));
        server.start();
        return new ChorusServer(server, executor);
    }

    /** This build's name and version, e.g. {@code chorus 0.1.0} ({@code chorus --version}, {@code /props}). */
    public static String version() {
        String version = ChorusServer.class.getPackage().getImplementationVersion();
        return "chorus " + (version == null ? "(development build)" : version);
    }

    /** The bound port (the chosen one when the options asked for port 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(STOP_GRACE_SECONDS);
        executor.shutdownNow();
    }
}
