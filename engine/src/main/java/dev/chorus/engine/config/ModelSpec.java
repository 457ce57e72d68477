package dev.chorus.engine.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One model entry of the config.
 *
 * @param path        the GGUF file, already resolved against the config file's folder
 * @param gpuLayers   layers offloaded to the GPU (0 = CPU only)
 * @param contextSize tokens of KV cache per slot: the longest prompt plus completion one request may use
 * @param threads     CPU threads llama.cpp uses for this model
 * @param slots       concurrent sequences (llama.cpp sequence ids) per context of this model
 */
public record ModelSpec(String name, Path path, int gpuLayers, int contextSize, int threads, int slots,
                        ConfigLocation location) {
    public ModelSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(location, "location");
        if (gpuLayers < 0 || contextSize < 1 || threads < 1 || slots < 1) {
            throw new IllegalArgumentException("model " + name + ": gpuLayers >= 0, contextSize, threads and slots >= 1");
        }
    }
}
