package dev.chorus.kernels.fusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * The mask step (FUSION.md step 2b: an additive bias on the fused scores, {@code −∞} masking) on every available
 * backend against {@link FusionReference}: per method, a batch whose rows have no bias, a grammar-like mask keeping
 * 3% of the vocabulary with logit biases on some kept tokens, and a mask keeping one token, on a vocabulary that is
 * no multiple of any block size.
 */
class GoldenBiasTest {

    private static final int VOCAB = 32003;
    private static final int MAX_HISTORY = 64;

    static Stream<FusionMethod> methods() {
        return Arrays.stream(FusionMethod.values());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("methods")
    void everyBackendMasksAndBiasesTheFusedScoresLikeTheReference(FusionMethod method) {
        int members = method == FusionMethod.CONTRASTIVE ? 2 : 3;
        int batch = 6;
        SplittableRandom random = new SplittableRandom(7 + method.ordinal());
        FusionShape shape = new FusionShape(members, batch, VOCAB, MAX_HISTORY, 20);
        FusionStep step = new FusionStep(shape);
        float[][][] logits = new float[batch][members][];
        List<FusionReference.Outcome> expected = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            for (int m = 0; m < members; m++) {
                logits[b][m] = GoldenInputs.logits(random, VOCAB, false);
            }
            FusionRule rule = GoldenInputs.rule(random, method, members);
            SamplingParams sampling = GoldenInputs.sampling(b, random.nextLong(), 20);
            int[] history = GoldenInputs.history(random, VOCAB, random.nextInt(MAX_HISTORY + 1),
                    GoldenInputs.argmax(logits[b][0]));
            float[] bias = switch (b % 3) {
                case 0 -> null;
                case 1 -> mask(random, logits[b][0], 0.03);
                default -> only(random.nextInt(VOCAB));
            };
            int row = step.add(rule, sampling, b, random.nextInt(4096), history, history.length);
            step.bias(row, bias);
            expected.add(FusionReference.fuse(logits[b], rule, sampling, b, step.step(row), history, bias, b));
        }
        for (LogitFusionFactory factory : FusionBackends.available()) {
            FusionResult result = new FusionResult(shape);
            try (LogitFusion fusion = factory.open(shape)) {
                for (int b = 0; b < batch; b++) {
                    for (int m = 0; m < members; m++) {
                        GoldenInputs.write(fusion.logits(), shape, m, b, logits[b][m]);
                    }
                }
                fusion.fuse(step, result);
            }
            for (int b = 0; b < batch; b++) {
                String where = factory.backend() + " " + method + " row " + b;
                GoldenInputs.assertMatches(expected.get(b), step.sampling(b), result, b, where);
                if (b % 3 == 2) {
                    float[] bias = step.bias(b);
                    assertEquals(0f, bias[result.token(b)], where + ": the one allowed token is chosen");
                    assertEquals(0.0, result.logprob(b), 1e-6, where + ": with probability 1");
                }
            }
        }
    }

    @Test
    void aBiasMustFitTheVocabularyAndLeaveATokenAllowed() {
        FusionShape shape = new FusionShape(1, 1, 8, 0, 0);
        FusionStep step = new FusionStep(shape);
        step.add(FusionRule.of(FusionMethod.LINEAR, 1f), SamplingParams.GREEDY, 0, 0, new int[0], 0);
        assertThrows(IllegalArgumentException.class, () -> step.bias(0, new float[7]));
        float[] none = new float[8];
        Arrays.fill(none, Float.NEGATIVE_INFINITY);
        assertThrows(IllegalArgumentException.class, () -> step.bias(0, none));
        float[] nan = new float[8];
        nan[3] = Float.NaN;
        assertThrows(IllegalArgumentException.class, () -> step.bias(0, nan));
        // A row longer than a few vectors: bad entries in the vector part and in the tail are both found.
        int vocab = 1001;
        FusionStep wide = new FusionStep(new FusionShape(1, 1, vocab, 0, 0));
        wide.add(FusionRule.of(FusionMethod.LINEAR, 1f), SamplingParams.GREEDY, 0, 0, new int[0], 0);
        for (int token : new int[] {5, 517, vocab - 1}) {
            for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
                float[] bias = new float[vocab];
                bias[token] = bad;
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> wide.bias(0, bias));
                assertTrue(e.getMessage().contains("token " + token + " "), e.getMessage());
            }
        }
        float[] masked = new float[vocab];
        Arrays.fill(masked, Float.NEGATIVE_INFINITY);
        assertThrows(IllegalArgumentException.class, () -> wide.bias(0, masked));
        masked[vocab - 1] = -3f;
        wide.bias(0, masked);
        assertSame(masked, wide.bias(0), "read when fused, not copied");
    }

    /** Keeps a fraction of the tokens, always including one of the expert's likely ones, with logit biases on some. */
    private static float[] mask(SplittableRandom random, float[] expert, double kept) {
        float[] bias = new float[expert.length];
        for (int i = 0; i < bias.length; i++) {
            bias[i] = random.nextDouble() < kept ? (random.nextBoolean() ? 0f : (float) (random.nextDouble() * 10 - 5))
                    : Float.NEGATIVE_INFINITY;
        }
        bias[GoldenInputs.argmax(expert)] = 0f;
        return bias;
    }

    private static float[] only(int token) {
        float[] bias = new float[VOCAB];
        Arrays.fill(bias, Float.NEGATIVE_INFINITY);
        bias[token] = 0f;
        return bias;
    }
}
