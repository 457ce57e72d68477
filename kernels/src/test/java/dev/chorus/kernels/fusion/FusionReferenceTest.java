package dev.chorus.kernels.fusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The reference on inputs small enough to work out by hand from FUSION.md. */
class FusionReferenceTest {

    /** The inputs are float32 logarithms, so results match the exact values to about 1e-7. */
    private static final double FLOAT_INPUTS = 1e-6;
    private static final float[] A = {0f, (float) Math.log(2), (float) Math.log(5)};
    private static final float[] B = {(float) Math.log(6), (float) Math.log(3), 0f};

    private static FusionReference.Outcome greedy(FusionRule rule, float[]... rows) {
        return FusionReference.fuse(rows, rule, new SamplingParams(0f, 0, 1f, 0f, 1f, 0f, 0f, 0, 3), 0, 0,
                new int[0], 0);
    }

    @Test
    void memberStatistics() {
        // A is p = (1, 2, 5) / 8.
        FusionReference.Outcome outcome = greedy(FusionRule.of(FusionMethod.LINEAR, 1f), A);
        double[] p = {1 / 8.0, 2 / 8.0, 5 / 8.0};
        double entropy = 0;
        for (double v : p) {
            entropy -= v * Math.log(v);
        }
        assertEquals(entropy, outcome.entropies()[0], 1e-7);
        assertEquals(5 / 8.0, outcome.maxProbs()[0], 1e-7);
        assertEquals(2, outcome.token());
        assertArrayEquals(new int[] {2, 1, 0}, outcome.topTokens());
    }

    @Test
    void linearIsTheWeightedMixture() {
        // A = (1, 2, 5)/8, B = (6, 3, 1)/10; mixture 0.5·A + 0.5·B.
        FusionReference.Outcome outcome = greedy(FusionRule.of(FusionMethod.LINEAR, 2f, 2f), A, B);
        double[] mix = {(1 / 8.0 + 0.6) / 2, (2 / 8.0 + 0.3) / 2, (5 / 8.0 + 0.1) / 2};
        for (int i = 0; i < 3; i++) {
            assertEquals(Math.log(mix[i]), outcome.fused()[i], 1e-7);
        }
        assertEquals(2, outcome.token());
    }

    @Test
    void maxTakesTheLargestWeightedProbability() {
        FusionReference.Outcome outcome = greedy(FusionRule.of(FusionMethod.MAX, 1f, 1f), A, B);
        double[] max = {0.3, 0.15, 5 / 16.0};
        double sum = max[0] + max[1] + max[2];
        for (int i = 0; i < 3; i++) {
            assertEquals(Math.log(max[i] / sum), outcome.fused()[i], 1e-7);
        }
    }

    @Test
    void logLinearMultipliesPowers() {
        FusionReference.Outcome outcome = greedy(FusionRule.of(FusionMethod.LOG_LINEAR, 1f, 1f), A, B);
        double[] product = {1 * 6, 2 * 3, 5 * 1};
        for (int i = 0; i < 3; i++) {
            assertEquals(Math.log(product[i] / 17.0), outcome.fused()[i], 1e-7);
        }
        assertEquals(0, outcome.token(), "6 and 6 tie: the lower index wins");
        assertEquals(0, outcome.margin(), 1e-6);
    }

    @Test
    void proxyAddsSignedLogits() {
        FusionReference.Outcome outcome = greedy(FusionRule.of(FusionMethod.PROXY, 1f, -1f), A, B);
        double[] ratio = {1 / 6.0, 2 / 3.0, 5.0};
        double sum = ratio[0] + ratio[1] + ratio[2];
        for (int i = 0; i < 3; i++) {
            assertEquals(Math.log(ratio[i] / sum), outcome.fused()[i], 1e-7);
        }
    }

    @Test
    void contrastiveCutsImplausibleTokens() {
        // α = 0.3: plausible where p_A ≥ 0.3 · 5/8, i.e. tokens 1 and 2; f = lp_A − 0.5 · lp_B.
        FusionRule rule = new FusionRule(FusionMethod.CONTRASTIVE, new float[] {1f, 1f}, new float[] {1f, 1f}, 0.5f, 0.3f);
        FusionReference.Outcome outcome = greedy(rule, A, B);
        assertEquals(Double.NEGATIVE_INFINITY, outcome.fused()[0]);
        double f1 = Math.log(2 / 8.0) - 0.5 * Math.log(0.3);
        double f2 = Math.log(5 / 8.0) - 0.5 * Math.log(0.1);
        double norm = Math.log(Math.exp(f1) + Math.exp(f2));
        assertEquals(f1 - norm, outcome.fused()[1], 1e-6);
        assertEquals(f2 - norm, outcome.fused()[2], 1e-6);
    }

    @Test
    void penaltiesFollowLlamaCpp() {
        // A's logits are (0, log 2, log 5); token 2 twice in the history. llama.cpp divides a positive logit:
        // log 5 / 1.5 − (2·0.5 + 0.25) drops it below token 1 (log 2).
        SamplingParams sampling = new SamplingParams(0f, 0, 1f, 0f, 1.5f, 0.25f, 0.5f, 0, 0);
        FusionReference.Outcome outcome = FusionReference.fuse(new float[][] {A}, FusionRule.of(FusionMethod.LINEAR, 1f),
                sampling, 0, 0, new int[] {2, 2}, 0);
        double penalised = Math.log(5) / 1.5 - 1.25;
        assertEquals(1, outcome.token());
        assertEquals(Math.log(2), outcome.margin(), FLOAT_INPUTS, "token 1 (log 2) over token 0 (logit 0)");
        assertArrayEquals(new double[] {0, Math.log(2), penalised}, outcome.penalised(), FLOAT_INPUTS,
                "a lone member's logits are penalised as they are");
        assertEquals(Math.log(2 / 8.0), outcome.logprob(), FLOAT_INPUTS, "log-probabilities report F, not the penalised g");
    }

    @Test
    void fusedLogitsAreOffsetByTheMembersMeanLogNormaliser() {
        // A and B have log Z = log 8 and log 10; weights 3:1 give Λ = 0.75·log 8 + 0.25·log 10. Repetition
        // penalty 2 and presence penalty 0.5 with token 0 in the history change only that token's L = F + Λ.
        SamplingParams sampling = new SamplingParams(0f, 0, 1f, 0f, 2f, 0.5f, 0f, 0, 0);
        FusionReference.Outcome outcome = FusionReference.fuse(new float[][] {A, B},
                FusionRule.of(FusionMethod.LINEAR, 3f, 1f), sampling, 0, 0, new int[] {0}, 0);
        double offset = 0.75 * Math.log(8) + 0.25 * Math.log(10);
        double logit = outcome.fused()[0] + offset;
        double expected = (logit <= 0 ? logit * 2 : logit / 2) - 0.5;
        assertEquals(expected, outcome.penalised()[0], FLOAT_INPUTS);
        assertEquals(outcome.fused()[1] + offset, outcome.penalised()[1], FLOAT_INPUTS);
        assertEquals(outcome.fused()[2] + offset, outcome.penalised()[2], FLOAT_INPUTS);
    }

    @Test
    void samplingWalksTheCumulativeMassWithPhilox() {
        SamplingParams sampling = SamplingParams.sampled(1f, 5L);
        for (int step = 0; step < 20; step++) {
            double u = Philox4x32.uniform(5L, step, 3, new int[4]);
            int expected = u < 1 / 8.0 ? 0 : u < 3 / 8.0 ? 1 : 2;
            FusionReference.Outcome outcome = FusionReference.fuse(new float[][] {A}, FusionRule.of(FusionMethod.LINEAR, 1f),
                    sampling, 3, step, new int[0], 0);
            assertEquals(expected, outcome.token(), "u = " + u);
        }
    }

    @Test
    void filtersKeepTheDocumentedSets() {
        // q = (1, 2, 5)/8: top-p 0.6 keeps {2}; top-p 0.7 keeps {1, 2}; min-p 0.3 keeps {1, 2}; top-k 1 keeps {2}.
        assertOnlyDrawn(new SamplingParams(1f, 0, 0.6f, 0f, 1f, 0f, 0f, 1, 0), 2);
        assertOnlyDrawn(new SamplingParams(1f, 1, 1f, 0f, 1f, 0f, 0f, 1, 0), 2);
        assertOnlyDrawn(new SamplingParams(1f, 0, 0.7f, 0f, 1f, 0f, 0f, 1, 0), 1, 2);
        assertOnlyDrawn(new SamplingParams(1f, 0, 1f, 0.3f, 1f, 0f, 0f, 1, 0), 1, 2);
    }

    private static void assertOnlyDrawn(SamplingParams sampling, int... allowed) {
        boolean[] seen = new boolean[3];
        for (int step = 0; step < 200; step++) {
            int token = FusionReference.fuse(new float[][] {A}, FusionRule.of(FusionMethod.LINEAR, 1f), sampling, 0,
                    step, new int[0], 0).token();
            seen[token] = true;
        }
        boolean[] expected = new boolean[3];
        for (int token : allowed) {
            expected[token] = true;
        }
        assertArrayEquals(expected, seen, sampling.toString());
    }
}
