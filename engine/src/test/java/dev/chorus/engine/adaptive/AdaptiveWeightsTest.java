package dev.chorus.engine.adaptive;

import dev.chorus.engine.config.WeightAdaptation;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AdaptiveWeightsTest {
    private static final double EPS = 1e-6;

    @Test
    void onlineMixtureIsTheDiscountedPosterior() {
        AdaptiveWeights weights = new AdaptiveWeights(new WeightAdaptation.Online(0.5), new float[] {1, 3});
        assertArrayEquals(new float[] {0.25f, 0.75f}, weights.weights(), 1e-7f);
        weights.observe(new double[] {Math.log(0.8), Math.log(0.2)});
        // posterior ∝ prior · likelihood: 0.25·0.8 : 0.75·0.2 = 4 : 3
        assertArrayEquals(new float[] {4f / 7, 3f / 7}, weights.weights(), (float) EPS);
        weights.observe(new double[] {Math.log(0.1), Math.log(0.4)});
        double kjv = 0.25 * Math.pow(0.8, 0.5) * 0.1;
        double pydocs = 0.75 * Math.pow(0.2, 0.5) * 0.4;
        assertEquals(kjv / (kjv + pydocs), weights.weights()[0], EPS);
        assertEquals(2, weights.observed());
    }

    @Test
    void perplexityWeightsFollowTheMeanLogLikelihoodOverTau() {
        AdaptiveWeights weights = new AdaptiveWeights(new WeightAdaptation.Perplexity(0.5), new float[] {1, 1});
        weights.observe(new double[] {-1, -3});
        weights.observe(new double[] {-2, -2});
        // mean NLL 1.5 and 2.5: w ∝ exp(−1.5 / 0.5) : exp(−2.5 / 0.5)
        double first = Math.exp(-3), second = Math.exp(-5);
        assertEquals(first / (first + second), weights.weights()[0], EPS);
        assertEquals(second / (first + second), weights.weights()[1], EPS);
    }

    @Test
    void fixedWeightsStayThePrior() {
        AdaptiveWeights weights = new AdaptiveWeights(new WeightAdaptation.Fixed(), new float[] {2, 6});
        weights.observe(new double[] {-0.1, -9});
        assertArrayEquals(new float[] {0.25f, 0.75f}, weights.weights());
    }

    @Test
    void aMemberThatGaveProbabilityZeroLosesItsWeightAndAllZeroFallsBackToThePrior() {
        AdaptiveWeights weights = new AdaptiveWeights(new WeightAdaptation.Online(0.9), new float[] {1, 1});
        weights.observe(new double[] {Double.NEGATIVE_INFINITY, -2});
        assertArrayEquals(new float[] {0f, 1f}, weights.weights());
        weights.observe(new double[] {-1, Double.NEGATIVE_INFINITY});
        assertArrayEquals(new float[] {0.5f, 0.5f}, weights.weights());
    }

    @Test
    void longTextsDoNotUnderflow() {
        AdaptiveWeights weights = new AdaptiveWeights(new WeightAdaptation.Online(1), new float[] {1, 1});
        for (int t = 0; t < 100_000; t++) {
            weights.observe(new double[] {-3.0, -3.0005});
        }
        // the posterior is e^50 : 1: scores of −300000 nats, normalised by their maximum before exp
        assertEquals(1f, weights.weights()[0], 1e-7f);
        assertEquals(Math.exp(-50), weights.weights()[1], Math.exp(-50) * 1e-3);
    }

    @Test
    void badInputIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new AdaptiveWeights(new WeightAdaptation.Online(1),
                new float[] {0, 0}));
        assertThrows(IllegalArgumentException.class, () -> new AdaptiveWeights(new WeightAdaptation.Online(1),
                new float[] {-1, 2}));
        assertThrows(IllegalArgumentException.class, () -> new WeightAdaptation.Online(0));
        assertThrows(IllegalArgumentException.class, () -> new WeightAdaptation.Online(1.5));
        assertThrows(IllegalArgumentException.class, () -> new WeightAdaptation.Perplexity(0));
        AdaptiveWeights weights = new AdaptiveWeights(new WeightAdaptation.Online(1), new float[] {1, 1});
        assertThrows(IllegalArgumentException.class, () -> weights.observe(new double[] {-1}));
    }

    @Test
    void tokenLogprobIsTheLogSoftmaxAtTheTemperature() {
        float[] logits = {1f, 2f, Float.NEGATIVE_INFINITY, 0.5f};
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment row = arena.allocateFrom(ValueLayout.JAVA_FLOAT, logits);
            double z = Math.log(Math.exp(0.5) + Math.exp(1) + Math.exp(0.25));
            assertEquals(1 - z, TokenLogprob.of(row, 4, 2f, 1), 1e-9);
            assertEquals(Double.NEGATIVE_INFINITY, TokenLogprob.of(row, 4, 1f, 2));
            assertThrows(IllegalArgumentException.class, () -> TokenLogprob.of(row, 4, 1f, 4));
        }
    }
}
