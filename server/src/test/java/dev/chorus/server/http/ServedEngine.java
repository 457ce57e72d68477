package dev.chorus.server.http;

import dev.chorus.engine.Engine;
import dev.chorus.kernels.fusion.LogitFusions;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A real engine over the three shared models ({@code ${chorus.shared.dir}/models}) and one or more servers in front
 * of it on loopback. Tests skip, naming the folder, when the models are absent.
 */
final class ServedEngine implements AutoCloseable {
    static final String BASE = "chorus-base-13m-f16.gguf";
    static final String KJV = "chorus-kjv-13m-f16.gguf";
    static final String PYDOCS = "chorus-pydocs-13m-f16.gguf";

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
        Path models = Path.of(System.getProperty("chorus.shared.dir", "../shared")).resolve("models").toAbsolutePath();
        Assumptions.assumeTrue(Files.isRegularFile(models.resolve(BASE)) && Files.isRegularFile(models.resolve(KJV))
                        && Files.isRegularFile(models.resolve(PYDOCS)),
                "the shared models are not in " + models + " (set -Dchorus.shared.dir)");
        // These tests are about HTTP; the Java reference fusion is the backend every machine runs the same way
        // (the kernels module tests the others). An explicit -Dchorus.kernels.backend still wins.
        if (System.getProperty(LogitFusions.BACKEND_PROPERTY) == null) {
            System.setProperty(LogitFusions.BACKEND_PROPERTY, "java");
        }
        String config = yaml.replace("{BASE}", models.resolve(BASE).toString())
                .replace("{KJV}", models.resolve(KJV).toString())
                .replace("{PYDOCS}", models.resolve(PYDOCS).toString());
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

    /** Closes the servers, then the engine. */
    @Override
    public void close() {
        servers.forEach(ChorusServer::close);
        engine.close();
    }
}
