package dev.chorus.engine;

import dev.chorus.engine.config.EngineConfig;
import dev.chorus.testkit.RealModels;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Engines over the real models for tests ({@link SharedModels}): {@code base}, {@code kjv} and {@code pydocs} plus given collaborations.
 * One llama.cpp thread per context: the test machines are small and shared, and ggml's spinning thread pools slow
 * down badly when oversubscribed. Configs name {@code fusion_backend: java}: the kernels module golden-tests every
 * backend against the reference, and a CPU OpenCL driver is the slowest way to fuse on such a machine.
 */
final class TestEngines {
    /**
     * A collaboration of every kind over the three models (single ones are the models' own names) on the Java
     * fusion backend: a {@code rest} for {@link #start}.
     */
    static final String EVERY_KIND = """
                collaborations:
                  linear:  { kind: ensemble, members: [ {model: kjv, weight: 0.5}, {model: pydocs, weight: 0.5} ] }
                  pool:    { kind: ensemble, method: log_linear, members: [ {model: kjv, weight: 0.6}, {model: pydocs, weight: 0.4} ] }
                  maximum: { kind: ensemble, method: max, members: [ {model: kjv, weight: 0.5}, {model: base, weight: 0.5} ] }
                  cd:      { kind: contrastive, expert: kjv, amateur: base, lambda: 0.5, alpha: 0.1 }
                  proxy:   { kind: proxy, base: base, expert: kjv, anti_expert: pydocs, strength: 0.8 }
                scheduler: { fusion_backend: java }
                """;

    private TestEngines() {
    }

    /**
     * Starts an engine whose config declares the three shared models with {@code models} settings (a YAML flow
     * mapping body such as {@code "context: 256, slots: 4"}) and {@code rest} appended verbatim, where
     * {@code {BASE}} stands for the base model's path (so {@code rest} may start with more model entries).
     */
    static Engine start(Path folder, String modelSettings, String rest) {
        RealModels models = SharedModels.located();
        String yaml = """
                models:
                  base:   { path: %s, threads: 1, %s }
                  kjv:    { path: %s, threads: 1, %s }
                  pydocs: { path: %s, threads: 1, %s }
                """.formatted(models.path(SharedModels.BASE), modelSettings, models.path(SharedModels.KJV),
                modelSettings, models.path(SharedModels.PYDOCS), modelSettings)
                + rest.replace("{BASE}", models.path(SharedModels.BASE).toString());
        try {
            Path file = folder.resolve("chorus.yaml");
            Files.writeString(file, yaml);
            return Engine.start(EngineConfig.load(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
