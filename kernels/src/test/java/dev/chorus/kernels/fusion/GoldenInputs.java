package dev.chorus.kernels.fusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/**
 * Random but reproducible fusion inputs and the comparison of a backend's result with
 * {@link FusionReference}. Tolerances (all in nats):
 * <ul>
 *   <li>log-probabilities (chosen and top-n): 1e-4 absolute;</li>
 *   <li>member entropy and max-prob: 1e-4 absolute plus 1e-4 relative;</li>
 *   <li>tokens identical, except where the reference's decision margin ({@link FusionReference.Outcome#margin})
 *       is below 1e-5 for greedy (the top-2 gap) or 1e-4 for sampling (the uniform's distance to an interval end
 *       as a fraction of the kept mass, or a filter's gap at its threshold): then either token is accepted.</li>
 * </ul>
 */
final class GoldenInputs {

    static final double LOGPROB_TOLERANCE = 1e-4;
    static final double STATISTIC_TOLERANCE = 1e-4;
    static final double GREEDY_MARGIN = 1e-5;
    static final double SAMPLING_MARGIN = 1e-4;

    private GoldenInputs() {
    }

    /**
     * One member row: Gaussian logits (σ = 2.5) with a few boosted tokens so the top of the distribution
     * is peaked like a language model's, and, when {@code masked}, about 5% of tokens at {@code −∞}.
     */
    static float[] logits(SplittableRandom random, int vocab, boolean masked) {
        float[] row = new float[vocab];
        for (int i = 0; i < vocab; i++) {
            row[i] = (float) (gaussian(random) * 2.5);
            if (masked && random.nextInt(20) == 0) {
                row[i] = Float.NEGATIVE_INFINITY;
            }
        }
        for (int peak = 0; peak < 8; peak++) {
            int token = random.nextInt(vocab);
            row[token] = 8f + (float) random.nextDouble(6);
        }
        return row;
    }

    static double gaussian(SplittableRandom random) {
        return Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
    }

    /** A valid rule of {@code method} for {@code members} members with random weights and temperatures. */
    static FusionRule rule(SplittableRandom random, FusionMethod method, int members) {
        float[] weights = new float[members];
        float[] temperatures = new float[members];
        for (int m = 0; m < members; m++) {
            temperatures[m] = 0.5f + (float) random.nextDouble();
            weights[m] = switch (method) {
                case LINEAR, MAX, LOG_LINEAR -> 0.1f + (float) random.nextDouble();
                case PROXY -> m == 0 ? 1f : (m % 2 == 1 ? 1 : -1) * (0.2f + (float) random.nextDouble(0.6));
                case CONTRASTIVE -> 1f;
            };
        }
        float lambda = method == FusionMethod.CONTRASTIVE ? 0.1f + (float) random.nextDouble(0.9) : 0f;
        float alpha = method == FusionMethod.CONTRASTIVE ? 0.02f + (float) random.nextDouble(0.2) : 1f;
        return new FusionRule(method, weights, temperatures, lambda, alpha);
    }

    /** The sampling configurations the golden rows cycle through: greedy and sampled, every filter and penalty. */
    static SamplingParams sampling(int variant, long seed, int maxTop) {
        SamplingParams params = switch (variant % 8) {
            case 0 -> new SamplingParams(0f, 0, 1f, 0f, 1f, 0f, 0f, seed, 5);
            case 1 -> new SamplingParams(0f, 0, 1f, 0f, 1.3f, 0.5f, 0.2f, seed, 20);
            case 2 -> new SamplingParams(0.8f, 0, 1f, 0f, 1f, 0f, 0f, seed, 0);
            case 3 -> new SamplingParams(1f, 40, 1f, 0f, 1f, 0f, 0f, seed, 1);
            case 4 -> new SamplingParams(0.7f, 0, 0.9f, 0f, 1f, 0f, 0f, seed, 2);
            case 5 -> new SamplingParams(1.2f, 0, 1f, 0.05f, 1.1f, 0f, 0f, seed, 0);
            case 6 -> new SamplingParams(1f, 200, 0.95f, 0.02f, 1.2f, 0.3f, 0.1f, seed, 3);
            default -> new SamplingParams(1.5f, 1, 1f, 0f, 0.8f, -0.2f, 0f, seed, 20);
        };
        return params.topLogprobs() <= maxTop ? params
                : new SamplingParams(params.temperature(), params.topK(), params.topP(), params.minP(),
                        params.repetitionPenalty(), params.presencePenalty(), params.frequencyPenalty(), seed, maxTop);
    }

    /** A history of random tokens that repeats some and includes {@code likely} (so penalties change the choice). */
    static int[] history(SplittableRandom random, int vocab, int length, int likely) {
        int[] history = new int[length];
        for (int j = 0; j < length; j++) {
            history[j] = j % 5 == 0 ? likely : j % 3 == 0 && j > 0 ? history[j - 1] : random.nextInt(vocab);
        }
        return history;
    }

    static void write(MemorySegment logits, FusionShape shape, int member, int sequence, float[] row) {
        MemorySegment.copy(row, 0, logits, ValueLayout.JAVA_FLOAT, shape.rowOffset(member, sequence) * Float.BYTES,
                row.length);
    }

    static int argmax(float[] row) {
        int best = 0;
        for (int i = 1; i < row.length; i++) {
            if (row[i] > row[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Asserts row b of {@code result} matches the reference outcome within the tolerances above. */
    static void assertMatches(FusionReference.Outcome expected, SamplingParams sampling, FusionResult result, int b,
                              String context) {
        int token = result.token(b);
        if (token != expected.token()) {
            double allowed = sampling.greedy() ? GREEDY_MARGIN : SAMPLING_MARGIN;
            assertTrue(expected.margin() < allowed, context + ": token " + token + " but the reference chose "
                    + expected.token() + " with margin " + expected.margin());
        }
        assertTrue(token >= 0 && token < expected.fused().length, context + ": token " + token);
        assertEquals(expected.fused()[token], result.logprob(b), LOGPROB_TOLERANCE, context + ": logprob");
        assertEquals(expected.topTokens().length, result.topCount(b), context + ": top count");
        for (int j = 0; j < result.topCount(b); j++) {
            double want = expected.topLogprobs()[j];
            assertEquals(want, result.topLogprob(b, j), LOGPROB_TOLERANCE, context + ": top logprob " + j);
            assertEquals(want, expected.fused()[result.topToken(b, j)], LOGPROB_TOLERANCE,
                    context + ": top token " + j + " = " + result.topToken(b, j));
            for (int k = 0; k < j; k++) {
                assertTrue(result.topToken(b, k) != result.topToken(b, j), context + ": repeated top token");
            }
        }
        for (int m = 0; m < expected.entropies().length; m++) {
            assertStatistic(expected.entropies()[m], result.memberEntropy(b, m), context + ": entropy " + m);
            assertStatistic(expected.maxProbs()[m], result.memberMaxProb(b, m), context + ": max prob " + m);
        }
    }

    private static void assertStatistic(double expected, double actual, String message) {
        assertEquals(expected, actual, STATISTIC_TOLERANCE * (1 + Math.abs(expected)), message);
    }
}
