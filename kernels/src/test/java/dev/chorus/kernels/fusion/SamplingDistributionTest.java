package dev.chorus.kernels.fusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Categorical sampling follows the fused (and filtered) distribution: 128 streams × 100 steps = 12,800 draws
 * on V = 16, a Pearson chi-square against the reference's probabilities. The seeds are fixed, so the test
 * is deterministic; the bound is the 0.999 quantile of χ² with (kept − 1) degrees of freedom, i.e. a
 * correct sampler would fail with probability 0.001 on a fresh seed.
 */
class SamplingDistributionTest {

    private static final int VOCAB = 16;
    private static final int STREAMS = 128;
    private static final int STEPS = 100;
    /** χ² 0.999 quantiles for 1 .. 15 degrees of freedom. */
    private static final double[] CHI_SQUARE_999 = {10.83, 13.82, 16.27, 18.47, 20.52, 22.46, 24.32, 26.12, 27.88,
        29.59, 31.26, 32.91, 34.53, 36.12, 37.70};

    static Stream<FusionBackend> backends() {
        return FusionBackends.available().stream().map(LogitFusionFactory::backend);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void unfilteredDrawsFollowTheFusedDistribution(FusionBackend backend) {
        assertFollowsReference(backend, new SamplingParams(1f, 0, 1f, 0f, 1f, 0f, 0f, 11L, 0));
    }

    @ParameterizedTest
    @MethodSource("backends")
    void filteredDrawsFollowTheRenormalisedDistribution(FusionBackend backend) {
        assertFollowsReference(backend, new SamplingParams(0.7f, 6, 0.95f, 0.02f, 1f, 0f, 0f, 12L, 0));
    }

    private static void assertFollowsReference(FusionBackend backend, SamplingParams sampling) {
        SplittableRandom random = new SplittableRandom(17);
        float[][] rows = new float[2][VOCAB];
        for (float[] row : rows) {
            for (int i = 0; i < VOCAB; i++) {
                row[i] = (float) (GoldenInputs.gaussian(random) * 1.5);
            }
        }
        FusionRule rule = FusionRule.of(FusionMethod.LINEAR, 0.6f, 0.4f);
        double[] expected = keptProbabilities(rows, rule, sampling);
        FusionShape shape = new FusionShape(2, STREAMS, VOCAB, 0, 0);
        FusionStep step = new FusionStep(shape);
        FusionResult result = new FusionResult(shape);
        long[] counts = new long[VOCAB];
        try (LogitFusion fusion = LogitFusions.open(shape, backend)) {
            for (int b = 0; b < STREAMS; b++) {
                GoldenInputs.write(fusion.logits(), shape, 0, b, rows[0]);
                GoldenInputs.write(fusion.logits(), shape, 1, b, rows[1]);
            }
            for (int t = 0; t < STEPS; t++) {
                step.clear();
                for (int b = 0; b < STREAMS; b++) {
                    step.add(rule, sampling, b, t, new int[0], 0);
                }
                fusion.fuse(step, result);
                for (int b = 0; b < STREAMS; b++) {
                    counts[result.token(b)]++;
                }
            }
        }
        double draws = STREAMS * STEPS;
        double chiSquare = 0;
        int kept = 0;
        for (int i = 0; i < VOCAB; i++) {
            if (expected[i] == 0) {
                assertEquals(0, counts[i], "token " + i + " is filtered out but was drawn");
            } else {
                kept++;
                double want = expected[i] * draws;
                chiSquare += (counts[i] - want) * (counts[i] - want) / want;
            }
        }
        assertTrue(kept >= 3, "the filters should leave a real choice: " + kept);
        assertTrue(chiSquare < CHI_SQUARE_999[kept - 2], backend + ": chi-square " + chiSquare + " with "
                + (kept - 1) + " degrees of freedom");
    }

    /**
     * The probability of each token being drawn, derived independently of both the reference's filter code
     * and the backends: the reference's fused F, tempered, sorted, and cut to the prefix the filters keep.
     */
    static double[] keptProbabilities(float[][] rows, FusionRule rule, SamplingParams sampling) {
        double[] fused = FusionReference.fuse(rows, rule, SamplingParams.GREEDY, 0, 0, new int[0], 0).fused();
        double[] q = new double[VOCAB];
        double max = Double.NEGATIVE_INFINITY;
        for (double f : fused) {
            max = Math.max(max, f / sampling.temperature());
        }
        double sum = 0;
        for (int i = 0; i < VOCAB; i++) {
            q[i] = Math.exp(fused[i] / sampling.temperature() - max);
            sum += q[i];
        }
        Integer[] order = new Integer[VOCAB];
        for (int i = 0; i < VOCAB; i++) {
            order[i] = i;
            q[i] /= sum;
        }
        Arrays.sort(order, (a, b) -> Double.compare(q[b], q[a]));
        // Top-k, then top-p on the renormalised survivors, then min-p: a prefix of the descending order.
        int keep = sampling.topK() > 0 ? Math.min(sampling.topK(), VOCAB) : VOCAB;
        double keptMass = 0;
        for (int j = 0; j < keep; j++) {
            keptMass += q[order[j]];
        }
        double cumulative = 0;
        int prefix = 0;
        while (prefix < keep && cumulative < sampling.topP() * keptMass) {
            cumulative += q[order[prefix++]];
        }
        double[] kept = new double[VOCAB];
        double keptSum = 0;
        for (int j = 0; j < prefix; j++) {
            int token = order[j];
            if (q[token] >= sampling.minP() * q[order[0]]) {
                kept[token] = q[token];
                keptSum += q[token];
            }
        }
        for (int i = 0; i < VOCAB; i++) {
            kept[i] /= keptSum;
        }
        return kept;
    }
}
