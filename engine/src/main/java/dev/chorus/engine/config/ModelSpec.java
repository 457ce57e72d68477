package dev.chorus.engine.config;

import dev.chorus.llama.ModelParams;
import dev.chorus.llama.rpc.RpcEndpoint;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One model entry of the config.
 *
 * @param path        the GGUF file, already resolved against the config file's folder; for a merged model the
 *                    recipe until {@link dev.chorus.engine.merge.MergedModels#prepare} points it at the merged file
 * @param gpuLayers   layers offloaded to the GPU or the rpc-servers (0 = CPU only, {@link ModelParams#ALL_LAYERS} = all)
 * @param contextSize tokens of KV cache per slot: the longest prompt plus completion one request may use
 * @param threads     CPU threads llama.cpp uses for this model; {@link #AUTO_THREADS}: its share of the process's
 *                    CPU budget in each step ({@code docs/runtime.md})
 * @param slots       concurrent sequences (llama.cpp sequence ids) per context of this model
 * @param recipe       for a merged model ({@code merge:} in the config), its merge recipe
 * @param chatTemplate a llama.cpp built-in chat template to use instead of the model's own (or of the default)
 * @param rpc          {@code rpc-server}s the offloaded layers run on ({@code rpc:}); empty for local devices
 * @param tensorSplit  each RPC device's share of the layers ({@code tensor_split:}); empty for llama.cpp's default
 */
public record ModelSpec(String name, Path path, int gpuLayers, int contextSize, int threads, int slots,
                        ConfigLocation location, Optional<Path> recipe, Optional<String> chatTemplate,
                        List<RpcEndpoint> rpc, List<Double> tensorSplit) {
    /** {@code threads} when the config leaves it out. */
    public static final int AUTO_THREADS = 0;
    /** llama.cpp's {@code LLAMA_MAX_SEQ}: the most sequences one context holds. */
    public static final int MAX_SLOTS = 256;
    /** {@code context × slots} is one llama.cpp context's {@code n_ctx}, a signed 32-bit count in Chorus. */
    public static final long MAX_CONTEXT_TOKENS = Integer.MAX_VALUE;

    public ModelSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(recipe, "recipe");
        Objects.requireNonNull(chatTemplate, "chatTemplate");
        rpc = List.copyOf(rpc);
        tensorSplit = List.copyOf(tensorSplit);
        if (gpuLayers < ModelParams.ALL_LAYERS || contextSize < 1 || threads < AUTO_THREADS || slots < 1) {
            throw new IllegalArgumentException("model " + name + ": gpuLayers >= -1, threads >= 0, contextSize and slots >= 1");
        }
    }

    /** A model loaded from a GGUF file as it is. */
    public ModelSpec(String name, Path path, int gpuLayers, int contextSize, int threads, int slots,
                     ConfigLocation location) {
        this(name, path, gpuLayers, contextSize, threads, slots, location, Optional.empty(), Optional.empty(),
                List.of(), List.of());
    }

    /** How llama.cpp loads this model: mapped, with its layers where the config puts them. */
    public ModelParams loadParams() {
        return new ModelParams(gpuLayers, true, false, rpc, tensorSplit);
    }

    /** Whether this is a merged model whose file is not made yet: {@code path} is still its recipe. */
    public boolean awaitsMerge() {
        return recipe.isPresent() && recipe.get().equals(path);
    }

    /** This merged model served from {@code mergedFile}. */
    public ModelSpec withMergedFile(Path mergedFile) {
        if (recipe.isEmpty()) {
            throw new IllegalStateException("model " + name + " is not merged from a recipe");
        }
        return new ModelSpec(name, mergedFile, gpuLayers, contextSize, threads, slots, location, recipe, chatTemplate,
                rpc, tensorSplit);
    }

}
