package dev.chorus.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** llama.cpp's penalties sampler through the bindings, on logits worked out by hand. */
class PenaltySamplerTest {

    private static final float[] LOGITS = {2f, -1f, 0.5f, 3f};

    @Test
    void dividesPositiveAndMultipliesNegativeLogitsThenSubtracts() {
        try (PenaltySampler sampler = PenaltySampler.open(4, 64, 2f, 0.1f, 0.2f)) {
            for (int token : new int[] {0, 0, 1}) {
                sampler.accept(token);
            }
            // token 0 twice: 2 / 2 − 2·0.1 − 0.2; token 1 once: −1 · 2 − 0.1 − 0.2; the others untouched.
            assertArrayEquals(new float[] {0.6f, -2.3f, 0.5f, 3f}, sampler.apply(LOGITS), 1e-6f);
            sampler.reset();
            assertArrayEquals(LOGITS, sampler.apply(LOGITS), "an empty history penalises nothing");
        }
    }

    @Test
    void countsOnlyTheLastNTokens() {
        try (PenaltySampler sampler = PenaltySampler.open(4, 2, 1f, 1f, 0f)) {
            for (int token : new int[] {3, 3, 3, 0}) {
                sampler.accept(token);
            }
            assertArrayEquals(new float[] {1f, -1f, 0.5f, 2f}, sampler.apply(LOGITS), 1e-6f);
        }
    }

    @Test
    void badArgumentsFailBeforeTheNativeCall() {
        assertThrows(IllegalArgumentException.class, () -> PenaltySampler.open(0, 8, 1.1f, 0f, 0f));
        assertThrows(IllegalArgumentException.class, () -> PenaltySampler.open(4, -1, 1.1f, 0f, 0f));
        assertThrows(IllegalArgumentException.class, () -> PenaltySampler.open(4, 8, 0f, 0f, 0f));
        assertThrows(IllegalArgumentException.class, () -> PenaltySampler.open(4, 8, 1.1f, Float.NaN, 0f));
        PenaltySampler sampler = PenaltySampler.open(4, 8, 1.1f, 0f, 0f);
        assertThrows(IllegalArgumentException.class, () -> sampler.accept(4));
        assertThrows(IllegalArgumentException.class, () -> sampler.apply(new float[3]));
        sampler.close();
        assertTrue(sampler.isClosed());
        assertThrows(IllegalStateException.class, () -> sampler.accept(0));
    }
}
