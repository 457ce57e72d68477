package dev.chorus.engine;

import dev.chorus.engine.config.ConfigException;
import dev.chorus.engine.config.EngineConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Serving refuses adaptive weights it would not apply, naming the line, before it loads or merges anything. */
class AdaptiveWeightsNotServedTest {
    @Test
    void startingAnEngineWithAdaptiveWeightsIsAConfigError() {
        EngineConfig config = EngineConfig.parse("""
                models:
                  kjv:    { path: /absent/kjv.gguf }
                  pydocs: { path: /absent/pydocs.gguf }
                collaborations:
                  experts: { kind: ensemble, weights: online, members: [ {model: kjv}, {model: pydocs} ] }
                """, Path.of("/configs/chorus.yaml"));
        ConfigException error = assertThrows(ConfigException.class, () -> Engine.start(config));
        assertEquals(5, error.line(), error.getMessage());
        assertTrue(error.getMessage().contains("collaboration 'experts' has adaptive weights"), error.getMessage());
    }
}
