package dev.chorus.engine.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ModelSpecTest {
    private static final ConfigLocation HERE = new ConfigLocation(Path.of("chorus.yaml"), 3, 5);
    private static final int CORES = Runtime.getRuntime().availableProcessors();

    @Test
    void unsetThreadsShareTheCoresAmongModelsDecodingTogether() {
        ModelSpec auto = new ModelSpec("m", Path.of("m.gguf"), 0, 512, ModelSpec.AUTO_THREADS, 2, HERE);
        assertEquals(CORES, auto.threadsAmong(1));
        assertEquals(Math.max(1, CORES / 2), auto.threadsAmong(2));
        assertEquals(1, auto.threadsAmong(CORES * 4), "never below one thread");
    }

    @Test
    void configuredThreadsAreKept() {
        ModelSpec three = new ModelSpec("m", Path.of("m.gguf"), 0, 512, 3, 2, HERE);
        assertEquals(3, three.threadsAmong(1));
        assertEquals(3, three.threadsAmong(4));
        assertThrows(IllegalArgumentException.class, () -> three.threadsAmong(0));
    }

    @Test
    void omittedThreadsParseAsAutomatic() {
        EngineConfig config = EngineConfig.parse("models:\n  m: { path: m.gguf }\n", Path.of("chorus.yaml"));
        assertEquals(ModelSpec.AUTO_THREADS, config.model("m").threads());
    }
}
