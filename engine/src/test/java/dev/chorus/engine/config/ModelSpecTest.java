package dev.chorus.engine.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ModelSpecTest {
    @Test
    void omittedThreadsParseAsAutomatic() {
        EngineConfig config = EngineConfig.parse("models:\n  m: { path: m.gguf }\n", Path.of("chorus.yaml"));
        assertEquals(ModelSpec.AUTO_THREADS, config.model("m").threads());
    }
}
