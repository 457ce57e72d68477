package dev.chorus.engine.eval;

import dev.chorus.engine.config.EngineConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A config of three models named base, kjv and pydocs (two threads each) plus the given collaborations, fused by the
 * Java backend: on CI's two cores it is the fastest, while the automatic choice may pick OpenCL on the CPU (PoCL).
 */
final class ThreeModelConfig {
    private ThreeModelConfig() {
    }

    /** Writes {@code eval.yaml} into {@code folder} and loads it; {@code collaborations} is YAML indented by 2. */
    static EngineConfig write(Path folder, Path base, Path kjv, Path pydocs, String collaborations) throws IOException {
        Path file = folder.resolve("eval.yaml");
        Files.writeString(file, """
                models:
                  base:   { path: %s, threads: 2 }
                  kjv:    { path: %s, threads: 2 }
                  pydocs: { path: %s, threads: 2 }
                scheduler: { fusion_backend: java }
                collaborations:
                """.formatted(base, kjv, pydocs) + collaborations);
        return EngineConfig.load(file);
    }
}
