package dev.chorus.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Embedding contexts on the trained base model: llama.cpp's pooled vectors against the per-token vectors pooled here
 * in double precision, and every call llama.cpp would answer with NULL or an abort refused before it is made.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EmbeddingContextTest {
    private static final String TEXT = "In the beginning God created the heaven and the earth.";
    private static final int CONTEXT = 256;

    private Model model;
    private int[] tokens;

    @BeforeAll
    void load() {
        model = Model.load(TestModels.base(), ModelParams.cpu());
        tokens = model.vocab().tokenize(TEXT, true, true);
    }

    @AfterAll
    void close() {
        if (model != null) {
            model.close();
        }
    }

    private Context embeddingContext(Pooling pooling) {
        return model.newEmbeddingContext(new ContextParams(CONTEXT, CONTEXT, CONTEXT, 1, TestModels.THREADS,
                FlashAttention.AUTO), pooling);
    }

    private static void decode(Context context, int[] tokens) {
        try (Batch batch = context.newBatch(tokens.length)) {
            for (int i = 0; i < tokens.length; i++) {
                batch.add(tokens[i], i, 0, true);
            }
            context.decode(batch);
        }
    }

    private float[][] tokenEmbeddings() {
        try (Context context = embeddingContext(Pooling.NONE)) {
            decode(context, tokens);
            float[][] rows = new float[tokens.length][];
            for (int i = 0; i < tokens.length; i++) {
                rows[i] = context.tokenEmbedding(i);
            }
            return rows;
        }
    }

    private float[] pooled(Pooling pooling) {
        try (Context context = embeddingContext(pooling)) {
            assertEquals(Optional.of(pooling), context.pooling());
            decode(context, tokens);
            return context.sequenceEmbedding(0);
        }
    }

    @Test
    void aCausalLanguageModelAsksForNoPoolingAndEmbedsInItsHiddenSize() {
        assertEquals(Optional.empty(), model.pooling());
        assertEquals(model.embeddingLength(), model.embeddingOutputLength());
        assertTrue(model.trainedContext() >= CONTEXT, "trained context " + model.trainedContext());
    }

    @Test
    void meanPoolingIsTheMeanOfTheTokenEmbeddings() {
        float[][] rows = tokenEmbeddings();
        float[] mean = pooled(Pooling.MEAN);
        assertEquals(model.embeddingOutputLength(), mean.length);
        double largest = 0;
        for (int d = 0; d < mean.length; d++) {
            double sum = 0;
            for (float[] row : rows) {
                sum += row[d];
            }
            largest = Math.max(largest, Math.abs(sum / rows.length - mean[d]));
        }
        assertTrue(largest < 1e-4, "largest difference " + largest);
    }

    @Test
    void lastPoolingIsTheLastTokensEmbedding() {
        float[][] rows = tokenEmbeddings();
        float[] last = pooled(Pooling.LAST);
        float[] expected = rows[rows.length - 1];
        for (int d = 0; d < last.length; d++) {
            assertEquals(expected[d], last[d], 1e-4f, "dimension " + d);
        }
    }

    @Test
    void refusesCallsLlamaCppCouldNotAnswer() {
        try (Context plain = model.newContext(ContextParams.of(CONTEXT, TestModels.THREADS))) {
            assertThrows(IllegalStateException.class, () -> plain.sequenceEmbedding(0));
            assertThrows(IllegalStateException.class, () -> plain.tokenEmbedding(0));
        }
        try (Context mean = embeddingContext(Pooling.MEAN)) {
            assertThrows(IllegalArgumentException.class, () -> mean.sequenceEmbedding(0), "nothing decoded yet");
            assertThrows(IllegalStateException.class, () -> mean.tokenEmbedding(0));
            decode(mean, tokens);
            assertThrows(IllegalArgumentException.class, () -> mean.sequenceEmbedding(1));
            mean.memoryClear();
            assertThrows(IllegalArgumentException.class, () -> mean.sequenceEmbedding(0), "cleared");
        }
        try (Context none = embeddingContext(Pooling.NONE)) {
            assertThrows(IllegalStateException.class, () -> none.sequenceEmbedding(0));
            decode(none, tokens);
            assertThrows(IndexOutOfBoundsException.class, () -> none.tokenEmbedding(tokens.length));
        }
        try (Context small = model.newEmbeddingContext(new ContextParams(CONTEXT, 64, 8, 1, TestModels.THREADS,
                FlashAttention.AUTO), Pooling.MEAN)) {
            assertThrows(IllegalArgumentException.class, () -> decode(small, tokens),
                    "a sequence longer than the micro-batch would be pooled in pieces");
        }
    }
}
