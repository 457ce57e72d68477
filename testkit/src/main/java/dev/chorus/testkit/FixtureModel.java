package dev.chorus.testkit;

import dev.chorus.gguf.GgmlType;

import java.util.Objects;
import java.util.Set;

/**
 * The shape of a random-weight llama fixture model. Start from {@link #DEFAULT} and change what a test needs:
 * {@code FixtureModel.DEFAULT.withSeed(7).withLayers(3)}. Equal specs give byte-identical files.
 *
 * @param name               {@code general.name}, also the file name stem
 * @param seed               drives every weight; different seeds give different models
 * @param embeddingLength    {@code n_embd}, 64 to 256, a multiple of 32 and of {@code heads}
 * @param layers             {@code n_layer}, 2 to 4
 * @param heads              attention heads; the head size {@code embeddingLength / heads} must be even (RoPE)
 * @param kvHeads            key/value heads, dividing {@code heads} (fewer gives grouped-query attention)
 * @param feedForwardLength  {@code n_ff}, a positive multiple of 32
 * @param contextLength      training context, 16 to 4096
 * @param tensorType         type of the weight matrices: F32, F16 or Q8_0 (norms are always F32)
 */
public record FixtureModel(String name, long seed, int embeddingLength, int layers, int heads, int kvHeads,
                           int feedForwardLength, int contextLength, GgmlType tensorType) {

    // Declared before DEFAULT, whose construction reads it.
    private static final Set<GgmlType> TENSOR_TYPES = Set.of(GgmlType.F32, GgmlType.F16, GgmlType.Q8_0);

    /** n_embd 64, 2 layers, 4 heads, 4 kv heads, n_ff 128, context 256, F16, seed 0. */
    public static final FixtureModel DEFAULT = new FixtureModel("chorus-fixture", 0, 64, 2, 4, 4, 128, 256, GgmlType.F16);

    public FixtureModel {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(tensorType, "tensorType");
        if (!name.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new IllegalArgumentException("name must be 1-64 characters of [A-Za-z0-9._-]: '" + name + "'");
        }
        check(embeddingLength >= 64 && embeddingLength <= 256 && embeddingLength % 32 == 0,
                "embeddingLength must be a multiple of 32 in 64..256", embeddingLength);
        check(layers >= 2 && layers <= 4, "layers must be 2..4", layers);
        check(heads > 0 && embeddingLength % heads == 0 && (embeddingLength / heads) % 2 == 0,
                "heads must divide embeddingLength into an even head size", heads);
        check(kvHeads > 0 && heads % kvHeads == 0, "kvHeads must divide heads", kvHeads);
        check(feedForwardLength > 0 && feedForwardLength % 32 == 0, "feedForwardLength must be a positive multiple of 32",
                feedForwardLength);
        check(contextLength >= 16 && contextLength <= 4096, "contextLength must be 16..4096", contextLength);
        if (!TENSOR_TYPES.contains(tensorType)) {
            throw new IllegalArgumentException("tensorType must be one of " + TENSOR_TYPES + ", got " + tensorType);
        }
    }

    /** Elements per attention head. */
    public int headSize() {
        return embeddingLength / heads;
    }

    public FixtureModel withName(String name) {
        return new FixtureModel(name, seed, embeddingLength, layers, heads, kvHeads, feedForwardLength, contextLength, tensorType);
    }

    public FixtureModel withSeed(long seed) {
        return new FixtureModel(name, seed, embeddingLength, layers, heads, kvHeads, feedForwardLength, contextLength, tensorType);
    }

    public FixtureModel withEmbeddingLength(int embeddingLength) {
        return new FixtureModel(name, seed, embeddingLength, layers, heads, kvHeads, feedForwardLength, contextLength, tensorType);
    }

    public FixtureModel withLayers(int layers) {
        return new FixtureModel(name, seed, embeddingLength, layers, heads, kvHeads, feedForwardLength, contextLength, tensorType);
    }

    /** Sets both the attention heads and the key/value heads; use {@link #withKvHeads} after it for GQA. */
    public FixtureModel withHeads(int heads) {
        return new FixtureModel(name, seed, embeddingLength, layers, heads, heads, feedForwardLength, contextLength, tensorType);
    }

    public FixtureModel withKvHeads(int kvHeads) {
        return new FixtureModel(name, seed, embeddingLength, layers, heads, kvHeads, feedForwardLength, contextLength, tensorType);
    }

    public FixtureModel withFeedForwardLength(int feedForwardLength) {
        return new FixtureModel(name, seed, embeddingLength, layers, heads, kvHeads, feedForwardLength, contextLength, tensorType);
    }

    public FixtureModel withContextLength(int contextLength) {
        return new FixtureModel(name, seed, embeddingLength, layers, heads, kvHeads, feedForwardLength, contextLength, tensorType);
    }

    public FixtureModel withTensorType(GgmlType tensorType) {
        return new FixtureModel(name, seed, embeddingLength, layers, heads, kvHeads, feedForwardLength, contextLength, tensorType);
    }

    private static void check(boolean valid, String rule, int value) {
        if (!valid) {
            throw new IllegalArgumentException(rule + ", got " + value);
        }
    }
}
