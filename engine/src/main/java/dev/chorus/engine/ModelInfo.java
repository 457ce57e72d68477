package dev.chorus.engine;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What a loaded model is, for {@code /props}.
 *
 * @param name           its name in the config
 * @param file           the GGUF file
 * @param description    llama.cpp's one-line description, e.g. {@code llama ?B Q8_0}
 * @param parameters     its parameter count
 * @param sizeBytes      the bytes of its tensors
 * @param trainedContext the context length it was trained with
 * @param hiddenSize     {@code n_embd}
 * @param layers         its layer count
 * @param vocabularySize its tokens
 * @param slots          sequences its context holds at once
 * @param contextTokens  tokens of one slot
 * @param pooling        its embeddings' pooling ({@code mean}, {@code cls}, {@code last}), empty for a reranker
 * @param embeddingTokens the most tokens one embedding input may hold
 */
public record ModelInfo(String name, Path file, String description, long parameters, long sizeBytes,
                        int trainedContext, int hiddenSize, int layers, int vocabularySize, int slots,
                        int contextTokens, Optional<String> pooling, int embeddingTokens) {
}
