package dev.chorus.server.cli;

import dev.chorus.engine.Engine;
import dev.chorus.server.http.ChorusServer;
import dev.chorus.server.http.CorsPolicy;
import dev.chorus.server.http.HttpLimits;
import dev.chorus.server.http.ServerOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code chorus serve}: the OpenAI-compatible endpoint for every model and collaboration of a config. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve every model and collaboration of a config as an OpenAI-compatible HTTP API.")
final class ServeCommand implements Callable<Integer> {
    static final String API_KEY_VARIABLE = "CHORUS_API_KEY";

    @Mixin
    ConfigOption config = new ConfigOption();

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to listen on (default: ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "port, 0 for any free one (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--max-body-bytes", defaultValue = "1048576",
            description = "larger request bodies get 413 (default: ${DEFAULT-VALUE})")
    long maxBodyBytes;

    @Option(names = "--request-timeout", defaultValue = "PT10M",
            description = "ISO-8601 duration after which a request is cancelled (default: ${DEFAULT-VALUE})")
    Duration requestTimeout;

    @Option(names = "--read-timeout", defaultValue = "PT30S",
            description = "a client still sending its request after this long is disconnected "
                    + "(default: ${DEFAULT-VALUE})")
    Duration readTimeout;

    @Option(names = "--max-connections", defaultValue = "1024",
            description = "connections beyond this many are closed at once (default: ${DEFAULT-VALUE})")
    int maxConnections;

    @Option(names = "--eval-results", paramLabel = "FILE.json",
            description = "a `chorus eval --json` output to serve at /chorus/eval and show in the playground")
    Path evalResults;

    @Option(names = "--cors-origin", paramLabel = "ORIGIN",
            description = "a web origin (scheme://host[:port], or *) browsers may call from, besides the loopback "
                    + "origins; repeatable")
    List<String> corsOrigins = new ArrayList<>();

    @Option(names = "--no-probe", description = "load the model files without first trying each in a child process")
    boolean noProbe;

    @Override
    public Integer call() throws Exception {
        HttpLimits.configure(readTimeout, maxConnections);
        ServerOptions options = new ServerOptions(host, port, Optional.empty(), maxBodyBytes, requestTimeout,
                Optional.ofNullable(evalResults), new CorsPolicy(corsOrigins));
        // The key comes from the environment, never the command line, where `ps` would show it.
        String apiKey = System.getenv(API_KEY_VARIABLE);
        if (apiKey != null && !apiKey.isBlank()) {
            options = options.withApiKey(apiKey);
        }
        Engine engine = Loading.start(config.resolve(), System.err, !noProbe);
        ChorusServer server;
        try {
            server = ChorusServer.start(options, engine);
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
        // Ctrl-C or SIGTERM: stop taking requests, cancel running ones, free contexts and models.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            engine.close();
        }, "chorus-shutdown"));
        System.err.printf("chorus: listening on http://%s:%d/v1 (%s), playground at /; Ctrl-C stops%n", host, server.port(),
                options.apiKey().isPresent() ? "bearer token from $" + API_KEY_VARIABLE + " required" : "no auth");
        Thread.currentThread().join();
        return 0;
    }
}
