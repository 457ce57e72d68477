package dev.chorus.bench.server;

import dev.chorus.engine.Engine;
import dev.chorus.engine.config.EngineConfig;
import dev.chorus.server.http.ChorusServer;
import dev.chorus.server.http.ServerOptions;
import dev.chorus.testkit.FixtureModel;
import dev.chorus.testkit.FixtureModels;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Two random-weight fixture models with the real 32000-token vocabulary, served by one engine as {@value #SINGLE}
 * (alone) and {@value #FUSED} (a log-linear ensemble of both), behind a Chorus server on an ephemeral loopback port
 * in this JVM.
 */
final class ServedFixture implements AutoCloseable {
    static final String SINGLE = "single";
    static final String PARTNER = "partner";
    static final String FUSED = "fused";
    /** Tokens per slot: a chat prompt of the load (about 20 tokens) and its completion fit with room to spare. */
    private static final int SLOT_CONTEXT = 160;

    private final Engine engine;
    private final ChorusServer server;

    private ServedFixture(Engine engine, ChorusServer server) {
        this.engine = engine;
        this.server = server;
    }

    static ServedFixture start(LoadOptions options) {
        FixtureModel shape = FixtureModel.DEFAULT.withEmbeddingLength(options.embeddingLength());
        Path single = FixtureModels.cached(shape.withName("load-single").withSeed(11));
        Path partner = FixtureModels.cached(shape.withName("load-partner").withSeed(12));
        String model = "{ path: \"%s\", context: %d, threads: %d, slots: %d }";
        String yaml = String.format(Locale.ROOT, """
                models:
                  %s: %s
                  %s: %s
                collaborations:
                  %s:
                    kind: ensemble
                    method: log_linear
                    members: [ { model: %s, weight: 0.5 }, { model: %s, weight: 0.5 } ]
                scheduler: { max_queued: %d }
                """,
                SINGLE, String.format(Locale.ROOT, model, single, SLOT_CONTEXT, options.threads(), options.slots()),
                PARTNER, String.format(Locale.ROOT, model, partner, SLOT_CONTEXT, options.threads(), options.slots()),
                FUSED, SINGLE, PARTNER, options.maxQueued());
        Engine engine = Engine.start(EngineConfig.parse(yaml, single.resolveSibling("chorus-load.yaml")));
        try {
            return new ServedFixture(engine, ChorusServer.start(ServerOptions.of("127.0.0.1", 0), engine));
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
    }

    /** The names the load alternates between. */
    static List<String> loadModels() {
        return List.of(SINGLE, FUSED);
    }

    Engine engine() {
        return engine;
    }

    URI base() {
        return URI.create("http://127.0.0.1:" + server.port());
    }

    /** The server first, then the engine, as {@link ChorusServer#start} asks. */
    @Override
    public void close() {
        server.close();
        engine.close();
    }
}
