package dev.chorus.server.http;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import dev.chorus.engine.Engine;
import dev.chorus.testkit.RealModels;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A real engine over the three real models ({@link RealModels}: the shared F16 files, or the repository's Q8_0 copies)
 * and one or more servers in front of it on loopback. Tests skip, naming both folders, only when neither is there.
 */
final class ServedEngine implements AutoCloseable {
    /** The documented system property that picks the fusion backend (the server names no kernel type). */
    private static final String FUSION_BACKEND = "chorus.kernels.backend";
    /** How long a test client waits for one answer. */
    static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(60);

    private final Engine engine;
    private final List<ChorusServer> servers = new ArrayList<>();

    private ServedEngine(Engine engine) {
        this.engine = engine;
    }

    /**
     * Starts an engine whose config text is {@code yaml}, with {@code {BASE}}, {@code {KJV}} and {@code {PYDOCS}}
     * standing for the models' paths, and one server per entry of {@code options}.
     */
    static ServedEngine start(Path folder, String yaml, ServerOptions... options) {
        Optional<RealModels> located = RealModels.locate();
        Assumptions.assumeTrue(located.isPresent(), RealModels.searched());
        RealModels models = located.orElseThrow();
        // These tests are about HTTP; the Java reference fusion is the backend every machine runs the same way
        // (the kernels module tests the others). An explicit -Dchorus.kernels.backend still wins.
        if (System.getProperty(FUSION_BACKEND) == null) {
            System.setProperty(FUSION_BACKEND, "java");
        }
        String config = yaml.replace("{BASE}", models.path(RealModels.BASE).toString())
                .replace("{KJV}", models.path(RealModels.KJV).toString())
                .replace("{PYDOCS}", models.path(RealModels.PYDOCS).toString());
        Path file = folder.resolve("chorus.yaml");
        try {
            Files.writeString(file, config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ServedEngine served = new ServedEngine(Engine.start(file));
        try {
            for (ServerOptions option : options) {
                served.servers.add(ChorusServer.start(option, served.engine));
            }
        } catch (RuntimeException e) {
            served.close();
            throw e;
        }
        return served;
    }

    /** Loopback, an ephemeral port, defaults otherwise. */
    static ServerOptions loopback() {
        return ServerOptions.of("127.0.0.1", 0);
    }

    /** The server started with the {@code index}-th options. */
    ChorusServer server(int index) {
        return servers.get(index);
    }

    ChorusServer server() {
        return server(0);
    }

    /** The OpenAI base URL of the first server, {@code http://127.0.0.1:PORT/v1}, as clients are configured. */
    String baseUrl() {
        return "http://127.0.0.1:" + server().port() + "/v1";
    }

    /** An openai-java client of the first server: no retries (a failure shows at once), 60 s per request. */
    OpenAIClient openAiClient() {
        return OpenAIOkHttpClient.builder()
                .baseUrl(baseUrl())
                .apiKey("sk-unused")
                .maxRetries(0)
                .timeout(CLIENT_TIMEOUT)
                .build();
    }

    /** Closes the servers, then the engine. */
    @Override
    public void close() {
        servers.forEach(ChorusServer::close);
        engine.close();
    }
}
