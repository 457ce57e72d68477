package dev.chorus.server.http;

import dev.chorus.engine.Engine;
import dev.chorus.kernels.fusion.LogitFusions;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Engines over the three real shared models ({@code ${chorus.shared.dir}/models}): {@code base}, {@code kjv},
 * {@code pydocs}, plus whatever the test declares. Tests skip, naming the folder, when the models are absent.
 */
final class TestEngines {
    static final String BASE = "chorus-base-13m-f16.gguf";
    static final String KJV = "chorus-kjv-13m-f16.gguf";
    static final String PYDOCS = "chorus-pydocs-13m-f16.gguf";

    private TestEngines() {
    }

    /**
     * Starts an engine whose config text is {@code yaml} with {@code {BASE}}, {@code {KJV}} and {@code {PYDOCS}}
     * replaced by the models' paths.
     */
    static Engine start(Path folder, String yaml) {
        // These tests are about HTTP; the Java reference fusion is the backend every machine runs the same way
        // (the kernels module tests the others). An explicit -Dchorus.kernels.backend still wins.
        if (System.getProperty(LogitFusions.BACKEND_PROPERTY) == null) {
            System.setProperty(LogitFusions.BACKEND_PROPERTY, "java");
        }
        Path models = Path.of(System.getProperty("chorus.shared.dir", "../shared")).resolve("models").toAbsolutePath();
        Assumptions.assumeTrue(Files.isRegularFile(models.resolve(BASE)) && Files.isRegularFile(models.resolve(KJV))
                        && Files.isRegularFile(models.resolve(PYDOCS)),
                "the shared models are not in " + models + " (set -Dchorus.shared.dir)");
        String config = yaml.replace("{BASE}", models.resolve(BASE).toString())
                .replace("{KJV}", models.resolve(KJV).toString())
                .replace("{PYDOCS}", models.resolve(PYDOCS).toString());
        try {
            Path file = folder.resolve("chorus.yaml");
            Files.writeString(file, config);
            return Engine.start(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
