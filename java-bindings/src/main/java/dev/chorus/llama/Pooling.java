package dev.chorus.llama;

import dev.chorus.llama.internal.LlamaContextParams;
import java.util.Arrays;
import java.util.Optional;

/**
 * {@code enum llama_pooling_type}: how an embedding context turns a sequence's per-token outputs into one vector
 * ({@link Context#sequenceEmbedding}), or {@link #NONE} for per-token vectors ({@link Context#tokenEmbedding}).
 */
public enum Pooling {
    NONE(LlamaContextParams.POOLING_NONE),
    MEAN(LlamaContextParams.POOLING_MEAN),
    CLS(LlamaContextParams.POOLING_CLS),
    LAST(LlamaContextParams.POOLING_LAST),
    /** A reranker's classification head: relevance scores, not an embedding. */
    RANK(LlamaContextParams.POOLING_RANK);

    final int nativeValue;

    Pooling(int nativeValue) {
        this.nativeValue = nativeValue;
    }

    /** The pooling of a native value; empty for {@code LLAMA_POOLING_TYPE_UNSPECIFIED} or an unknown value. */
    static Optional<Pooling> ofNative(int value) {
        return Arrays.stream(values()).filter(pooling -> pooling.nativeValue == value).findFirst();
    }
}
