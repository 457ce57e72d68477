package dev.chorus.llama;

import dev.chorus.llama.internal.LlamaSamplers;
import dev.chorus.llama.internal.LlamaTokenData;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * llama.cpp's repetition, frequency and presence penalties ({@code llama_sampler_init_penalties}) on their own:
 * {@link #accept} the tokens of a history, then {@link #apply} the sampler to a row of logits. Chorus samples
 * with its own kernels; this is the rule they are checked against. Not thread-safe.
 */
public final class PenaltySampler extends NativeResource {

    private final int vocabSize;
    private final MemorySegment handle;

    private PenaltySampler(int vocabSize, MemorySegment created) {
        this.vocabSize = vocabSize;
        this.handle = created.reinterpret(arena, LlamaSamplers::llama_sampler_free);
    }

    /**
     * A penalties sampler over the last {@code lastN} accepted tokens.
     *
     * @param repeat    the repetition penalty, > 0 (1 = off): a positive logit is divided by it, a negative one
     *                  multiplied
     * @param frequency subtracted once per occurrence
     * @param presence  subtracted once from every token that occurs
     */
    public static PenaltySampler open(int vocabSize, int lastN, float repeat, float frequency, float presence) {
        if (vocabSize <= 0 || lastN < 0) {
            throw new IllegalArgumentException("vocabSize must be > 0 and lastN ≥ 0: " + vocabSize + ", " + lastN);
        }
        if (!(repeat > 0) || !Float.isFinite(repeat) || !Float.isFinite(frequency) || !Float.isFinite(presence)) {
            throw new IllegalArgumentException("the repetition penalty must be finite and > 0, the others finite: "
                    + repeat + ", " + frequency + ", " + presence);
        }
        Llama.init();
        MemorySegment created = LlamaSamplers.llama_sampler_init_penalties(vocabSize, lastN, repeat, frequency, presence);
        if (created.equals(MemorySegment.NULL)) {
            throw new LlamaException("llama_sampler_init_penalties returned NULL");
        }
        return new PenaltySampler(vocabSize, created);
    }

    /** Adds a token to the history the penalties count. */
    public void accept(int token) {
        if (token < 0 || token >= vocabSize) {
            throw new IllegalArgumentException("token " + token + " outside the vocabulary of " + vocabSize);
        }
        ensureOpen();
        LlamaSamplers.llama_sampler_accept(handle, token);
    }

    /** Forgets the history. */
    public void reset() {
        ensureOpen();
        LlamaSamplers.llama_sampler_reset(handle);
    }

    /** The penalised logits: {@code logits} (one per token of the vocabulary) as the sampler rewrites them. */
    public float[] apply(float[] logits) {
        Objects.requireNonNull(logits, "logits");
        if (logits.length != vocabSize) {
            throw new IllegalArgumentException(logits.length + " logits for a vocabulary of " + vocabSize);
        }
        ensureOpen();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment data = call.allocate(LlamaTokenData.LAYOUT, vocabSize);
            for (int i = 0; i < vocabSize; i++) {
                LlamaTokenData.set(data, i, i, logits[i]);
            }
            MemorySegment array = call.allocate(LlamaTokenData.ARRAY_LAYOUT);
            LlamaTokenData.array(array, data, vocabSize);
            LlamaSamplers.llama_sampler_apply(handle, array);
            if (!LlamaTokenData.data(array).equals(data) || LlamaTokenData.size(array) != vocabSize) {
                throw new LlamaException("llama_sampler_apply replaced or resized the candidates of the penalties sampler");
            }
            float[] penalised = new float[vocabSize];
            for (int i = 0; i < vocabSize; i++) {
                penalised[LlamaTokenData.id(data, i)] = LlamaTokenData.logit(data, i);
            }
            return penalised;
        }
    }

    @Override
    String describe() {
        return "penalties sampler over " + vocabSize + " tokens";
    }
}
