package dev.chorus.kernels.fusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Inputs at the edges of FUSION.md, on every available backend. */
class FusionEdgeCaseTest {

    private static final int VOCAB = 32003;

    static Stream<FusionBackend> backends() {
        return FusionBackends.available().stream().map(LogitFusionFactory::backend);
    }

    private static final SamplingParams SAMPLED = new SamplingParams(1f, 50, 0.9f, 0.01f, 1.2f, 0.1f, 0.1f, 99L, 3);

    /** A two-member rule: weights (first, second), or contrastive with λ = first and α = alpha. */
    private static FusionRule twoMembers(FusionMethod method, float first, float second, float alpha) {
        return method == FusionMethod.CONTRASTIVE ? FusionRule.contrastive(first, alpha)
                : FusionRule.of(method, first, second);
    }

    /** Runs one row per sampling through {@code backend} and checks it against the reference. */
    private static FusionResult fuseAndCompare(FusionBackend backend, FusionRule rule, float[][] rows,
                                               SamplingParams... samplings) {
        FusionShape shape = new FusionShape(rows.length, samplings.length, rows[0].length, 8, 20);
        FusionStep step = new FusionStep(shape);
        FusionResult result = new FusionResult(shape);
        int[] history = {1, 2, 2, 3};
        try (LogitFusion fusion = LogitFusions.open(shape, backend)) {
            for (int b = 0; b < samplings.length; b++) {
                for (int m = 0; m < rows.length; m++) {
                    GoldenInputs.write(fusion.logits(), shape, m, b, rows[m]);
                }
                step.add(rule, samplings[b], b, 3, history, history.length);
            }
            fusion.fuse(step, result);
        }
        for (int b = 0; b < samplings.length; b++) {
            FusionReference.Outcome expected = FusionReference.fuse(rows, rule, samplings[b], b, 3, history, b);
            GoldenInputs.assertMatches(expected, samplings[b], result, b, backend + " row " + b);
        }
        return result;
    }

    @ParameterizedTest
    @MethodSource("backends")
    void allEqualLogitsGiveTheUniformDistribution(FusionBackend backend) {
        float[] flat = new float[VOCAB];
        Arrays.fill(flat, 1.5f);
        for (FusionMethod method : FusionMethod.values()) {
            FusionRule rule = twoMembers(method, 0.5f, 0.5f, 0.1f);
            FusionResult result = fuseAndCompare(backend, rule, new float[][] {flat, flat},
                    SamplingParams.GREEDY, SAMPLED);
            assertEquals(0, result.token(0), method + ": ties go to the lowest index");
            assertEquals(-Math.log(VOCAB), result.logprob(0), 1e-4, method.toString());
            assertEquals(Math.log(VOCAB), result.memberEntropy(0, 1), 1e-3, method.toString());
            assertEquals(1.0 / VOCAB, result.memberMaxProb(0, 0), 1e-9, method.toString());
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void aSingleFiniteTokenIsCertain(FusionBackend backend) {
        float[] single = new float[VOCAB];
        Arrays.fill(single, Float.NEGATIVE_INFINITY);
        single[12345] = -3f;
        for (FusionMethod method : FusionMethod.values()) {
            FusionRule rule = twoMembers(method, 1f, 0.5f, 0.1f);
            FusionResult result = fuseAndCompare(backend, rule, new float[][] {single, single},
                    SamplingParams.GREEDY, SAMPLED);
            for (int b = 0; b < 2; b++) {
                assertEquals(12345, result.token(b), method.toString());
                assertEquals(0f, result.logprob(b), 1e-6, method.toString());
                assertEquals(0f, result.memberEntropy(b, 0), 1e-6, method.toString());
                assertEquals(1f, result.memberMaxProb(b, 1), 1e-6, method.toString());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void negativeInfinityMasksTokens(FusionBackend backend) {
        SplittableRandom random = new SplittableRandom(5);
        float[] expert = GoldenInputs.logits(random, VOCAB, false);
        float[] amateur = GoldenInputs.logits(random, VOCAB, false);
        Arrays.fill(expert, 0, VOCAB / 2, Float.NEGATIVE_INFINITY);
        Arrays.fill(amateur, VOCAB / 4, VOCAB, Float.NEGATIVE_INFINITY);
        amateur[VOCAB - 1] = 20f;
        for (FusionMethod method : FusionMethod.values()) {
            // PROXY leaves the amateur out: with its support disjoint from the expert's, nothing would be finite.
            FusionRule rule = twoMembers(method, 0.7f, method == FusionMethod.PROXY ? 0f : 0.3f, 0.001f);
            FusionResult result = fuseAndCompare(backend, rule, new float[][] {expert, amateur},
                    SamplingParams.GREEDY, SAMPLED);
            if (method != FusionMethod.LINEAR && method != FusionMethod.MAX) {
                assertNotEquals(Float.NEGATIVE_INFINITY, expert[result.token(1)], method + " sampled a masked token");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void aZeroWeightReproducesTheSingleMemberBitForBit(FusionBackend backend) {
        SplittableRandom random = new SplittableRandom(8);
        float[] kept = GoldenInputs.logits(random, VOCAB, true);
        float[] ignored = GoldenInputs.logits(random, VOCAB, false);
        FusionResult pair = fuseAndCompare(backend, FusionRule.of(FusionMethod.LINEAR, 1f, 0f),
                new float[][] {kept, ignored}, SamplingParams.GREEDY, SAMPLED);
        FusionResult alone = fuseAndCompare(backend, FusionRule.of(FusionMethod.LINEAR, 1f),
                new float[][] {kept}, SamplingParams.GREEDY, SAMPLED);
        assertArrayEquals(alone.tokens(), pair.tokens());
        assertArrayEquals(alone.logprobs(), pair.logprobs());
        assertArrayEquals(alone.topLogprobs(), pair.topLogprobs());
        assertArrayEquals(alone.topTokens(), pair.topTokens());
    }

    @ParameterizedTest
    @MethodSource("backends")
    void badLogitsNameMemberSequenceAndToken(FusionBackend backend) {
        assertBadInput(backend, 1, 2, 777, Float.NaN, 777);
        assertBadInput(backend, 0, 1, 31999, Float.POSITIVE_INFINITY, 31999);
        assertBadInput(backend, 1, 0, VOCAB - 1, Float.NaN, VOCAB - 1);
        assertBadInput(backend, 0, 2, -1, Float.NEGATIVE_INFINITY, -1);
    }

    /** Poisons (member, sequence) at token {@code at} (the whole row when at is −1) and expects the exception. */
    private static void assertBadInput(FusionBackend backend, int member, int sequence, int at, float value,
                                       int expectedToken) {
        FusionShape shape = new FusionShape(2, 3, VOCAB, 4, 0);
        FusionStep step = new FusionStep(shape);
        SplittableRandom random = new SplittableRandom(3);
        try (LogitFusion fusion = LogitFusions.open(shape, backend)) {
            for (int b = 0; b < 3; b++) {
                for (int m = 0; m < 2; m++) {
                    float[] row = GoldenInputs.logits(random, VOCAB, false);
                    if (m == member && b == sequence) {
                        if (at < 0) {
                            Arrays.fill(row, value);
                        } else {
                            row[at] = value;
                        }
                    }
                    GoldenInputs.write(fusion.logits(), shape, m, b, row);
                }
                step.add(FusionRule.of(FusionMethod.LINEAR, 0.5f, 0.5f), SamplingParams.GREEDY, b, 0, new int[0], 0);
            }
            FusionInputException error = assertThrows(FusionInputException.class,
                    () -> fusion.fuse(step, new FusionResult(shape)));
            assertEquals(member, error.member(), error.getMessage());
            assertEquals(sequence, error.sequence(), error.getMessage());
            assertEquals(expectedToken, error.tokenIndex(), error.getMessage());
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void aFusedDistributionWithNoFiniteScoreIsRejected(FusionBackend backend) {
        float[] left = new float[VOCAB];
        float[] right = new float[VOCAB];
        Arrays.fill(left, Float.NEGATIVE_INFINITY);
        Arrays.fill(right, Float.NEGATIVE_INFINITY);
        left[10] = 1f;
        right[20] = 1f;
        FusionShape shape = new FusionShape(2, 1, VOCAB, 0, 0);
        FusionStep step = new FusionStep(shape);
        try (LogitFusion fusion = LogitFusions.open(shape, backend)) {
            GoldenInputs.write(fusion.logits(), shape, 0, 0, left);
            GoldenInputs.write(fusion.logits(), shape, 1, 0, right);
            step.add(FusionRule.of(FusionMethod.PROXY, 1f, 0.5f), SamplingParams.GREEDY, 0, 0, new int[0], 0);
            FusionInputException error = assertThrows(FusionInputException.class,
                    () -> fusion.fuse(step, new FusionResult(shape)));
            assertEquals(FusionInputException.FUSED, error.member());
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void misuseIsRejectedClearly(FusionBackend backend) {
        FusionShape shape = new FusionShape(2, 2, 64, 4, 2);
        FusionShape other = new FusionShape(2, 2, 65, 4, 2);
        LogitFusion fusion = LogitFusions.open(shape, backend);
        assertThrows(IllegalArgumentException.class, () -> fusion.fuse(new FusionStep(other), new FusionResult(shape)));
        assertThrows(IllegalArgumentException.class, () -> fusion.fuse(new FusionStep(shape), new FusionResult(other)));
        fusion.close();
        fusion.close();
        assertThrows(IllegalStateException.class, () -> fusion.fuse(new FusionStep(shape), new FusionResult(shape)));
    }
}
