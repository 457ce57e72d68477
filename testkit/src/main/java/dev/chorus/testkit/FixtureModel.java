package dev.chorus.testkit;

import dev.chorus.gguf.GgmlType;

import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The shape of a random-weight llama fixture model. Start from {@link #DEFAULT} and change what a test needs:
 * {@code FixtureModel.DEFAULT.withSeed(7).withLayers(3)}. Equal specs give byte-identical files.
 *
 * @param name               {@code general.name}, also the file name stem
 * @param seed               drives every weight; different seeds give different models
 * @param embeddingLength    {@code n_embd}, 64 to 16384, a multiple of 32 and of {@code heads}
 * @param layers             {@code n_layer}, 1 to 256
 * @param heads              attention heads; the head size {@code embeddingLength / heads} must be even (RoPE)
 * @param kvHeads            key/value heads, dividing {@code heads} (fewer gives grouped-query attention)
 * @param feedForwardLength  {@code n_ff}, a positive multiple of 32
 * @param contextLength      training context, 16 to 131072
 * @param tensorType         type of the weight matrices: F32, F16 or Q8_0 (norms are always F32)
 * @param vocabulary         the real tokenizer copied into the model
 * @param ropeFreqBase       {@code rope.freq_base} (theta), positive
 * @param tiedEmbeddings     whether the output projection reuses {@code token_embd} (no {@code output.weight})
 */
public record FixtureModel(String name, long seed, int embeddingLength, int layers, int heads, int kvHeads,
                           int feedForwardLength, int contextLength, GgmlType tensorType,
                           FixtureVocabulary vocabulary, float ropeFreqBase, boolean tiedEmbeddings) {

    // Declared before DEFAULT, whose construction reads it.
    private static final Set<GgmlType> TENSOR_TYPES = Set.of(GgmlType.F32, GgmlType.F16, GgmlType.Q8_0);

    /** n_embd 64, 2 layers, 4 heads, 4 kv heads, n_ff 128, context 256, F16, SPM vocabulary, theta 10000, seed 0. */
    public static final FixtureModel DEFAULT = new FixtureModel("chorus-fixture", 0, 64, 2, 4, 4, 128, 256, GgmlType.F16,
            FixtureVocabulary.SPM, 10000f, false);

    /** Llama-3.2-1B's shape (1.24 B parameters, about 2.5 GB in F16): tied embeddings, Llama 3 vocabulary. */
    public static final FixtureModel LLAMA_1B = new FixtureModel("llama-1b", 0, 2048, 16, 32, 8, 8192, 4096, GgmlType.F16,
            FixtureVocabulary.LLAMA3_BPE, 500000f, true);

    /** Llama-3.1-8B's shape (8.03 B parameters, about 16 GB in F16): separate output matrix, Llama 3 vocabulary. */
    public static final FixtureModel LLAMA_8B = new FixtureModel("llama-8b", 0, 4096, 32, 32, 8, 14336, 4096, GgmlType.F16,
            FixtureVocabulary.LLAMA3_BPE, 500000f, false);

    /** The named shapes, by the names benchmarks take ({@code --shape llama-1b}). */
    private static final Map<String, FixtureModel> NAMED = Map.of(LLAMA_1B.name(), LLAMA_1B, LLAMA_8B.name(), LLAMA_8B);

    /** {@link #LLAMA_1B} for {@code "llama-1b"}, {@link #LLAMA_8B} for {@code "llama-8b"}. */
    public static FixtureModel named(String name) {
        FixtureModel shape = NAMED.get(name);
        if (shape == null) {
            throw new IllegalArgumentException("unknown shape '" + name + "', use one of " + new TreeSet<>(NAMED.keySet()));
        }
        return shape;
    }

    public FixtureModel {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(tensorType, "tensorType");
        Objects.requireNonNull(vocabulary, "vocabulary");
        if (!name.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new IllegalArgumentException("name must be 1-64 characters of [A-Za-z0-9._-]: '" + name + "'");
        }
        check(embeddingLength >= 64 && embeddingLength <= 16384 && embeddingLength % 32 == 0,
                "embeddingLength must be a multiple of 32 in 64..16384", embeddingLength);
        check(layers >= 1 && layers <= 256, "layers must be 1..256", layers);
        check(heads > 0 && embeddingLength % heads == 0 && (embeddingLength / heads) % 2 == 0,
                "heads must divide embeddingLength into an even head size", heads);
        check(kvHeads > 0 && heads % kvHeads == 0, "kvHeads must divide heads", kvHeads);
        check(feedForwardLength > 0 && feedForwardLength % 32 == 0, "feedForwardLength must be a positive multiple of 32",
                feedForwardLength);
        check(contextLength >= 16 && contextLength <= 131072, "contextLength must be 16..131072", contextLength);
        if (!(ropeFreqBase > 0 && Float.isFinite(ropeFreqBase))) {
            throw new IllegalArgumentException("ropeFreqBase must be positive and finite, got " + ropeFreqBase);
        }
        if (!TENSOR_TYPES.contains(tensorType)) {
            throw new IllegalArgumentException("tensorType must be one of " + TENSOR_TYPES + ", got " + tensorType);
        }
    }

    /** Elements per attention head. */
    public int headSize() {
        return embeddingLength / heads;
    }

    /** Weights in the model, norms included, as {@code llama_model_n_params} counts them. */
    public long parameterCount() {
        long embd = embeddingLength;
        long kv = (long) headSize() * kvHeads;
        long perLayer = 2 * embd + 2 * embd * embd + 2 * embd * kv + 3 * embd * feedForwardLength;
        long embeddings = embd * vocabulary.tokenCount() * (tiedEmbeddings ? 1 : 2);
        return embeddings + embd + layers * perLayer;
    }

    public FixtureModel withName(String name) {
        return new FixtureModel(name, seed, embeddingLength, layers, heads, kvHeads, feedForwardLength, contextLength, tensorType,
                vocabulary, ropeFreqBase, tiedEmbeddings);
    }

    public FixtureModel withSeed(long seed) {
        return new FixtureModel(name, seed, embeddingLength, layers, heads, kvHeads, feedForwardLength, contextLength, tensorType,
                vocabulary, ropeFreqBase, tiedEmbeddings);
    }

    public FixtureModel withEmbeddingLength(int embeddingLength) {
        return new FixtureModel(name, seed, embeddingLength, layers, heads, kvHeads, feedForwardLength, contextLength, tensorType,
                vocabulary, ropeFreqBase, tiedEmbeddings);
    }

    public FixtureModel withLayers(int layers) {
        return new FixtureModel(name, seed, embeddingLength, layers, heads, kvHeads, feedForwardLength, contextLength, tensorType,
                vocabulary, ropeFreqBase, tiedEmbeddings);
    }

    /** Sets both the attention heads and the key/value heads; use {@link #withKvHeads} after it for GQA. */
    public FixtureModel withHeads(int heads) {
        return new FixtureModel(name, seed, embeddingLength, layers, heads, heads, feedForwardLength, contextLength, tensorType,
                vocabulary, ropeFreqBase, tiedEmbeddings);
    }

    public FixtureModel withKvHeads(int kvHeads) {
        return new FixtureModel(name, seed, embeddingLength, layers, heads, kvHeads, feedForwardLength, contextLength, tensorType,
                vocabulary, ropeFreqBase, tiedEmbeddings);
    }

    public FixtureModel withFeedForwardLength(int feedForwardLength) {
        return new FixtureModel(name, seed, embeddingLength, layers, heads, kvHeads, feedForwardLength, contextLength, tensorType,
                vocabulary, ropeFreqBase, tiedEmbeddings);
    }

    public FixtureModel withContextLength(int contextLength) {
        return new FixtureModel(name, seed, embeddingLength, layers, heads, kvHeads, feedForwardLength, contextLength, tensorType,
                vocabulary, ropeFreqBase, tiedEmbeddings);
    }

    public FixtureModel withTensorType(GgmlType tensorType) {
        return new FixtureModel(name, seed, embeddingLength, layers, heads, kvHeads, feedForwardLength, contextLength, tensorType,
                vocabulary, ropeFreqBase, tiedEmbeddings);
    }

    public FixtureModel withVocabulary(FixtureVocabulary vocabulary) {
        return new FixtureModel(name, seed, embeddingLength, layers, heads, kvHeads, feedForwardLength, contextLength, tensorType,
                vocabulary, ropeFreqBase, tiedEmbeddings);
    }

    public FixtureModel withRopeFreqBase(float ropeFreqBase) {
        return new FixtureModel(name, seed, embeddingLength, layers, heads, kvHeads, feedForwardLength, contextLength, tensorType,
                vocabulary, ropeFreqBase, tiedEmbeddings);
    }

    public FixtureModel withTiedEmbeddings(boolean tiedEmbeddings) {
        return new FixtureModel(name, seed, embeddingLength, layers, heads, kvHeads, feedForwardLength, contextLength, tensorType,
                vocabulary, ropeFreqBase, tiedEmbeddings);
    }

    private static void check(boolean valid, String rule, int value) {
        if (!valid) {
            throw new IllegalArgumentException(rule + ", got " + value);
        }
    }
}
