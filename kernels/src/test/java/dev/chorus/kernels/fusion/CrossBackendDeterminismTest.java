package dev.chorus.kernels.fusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Same seed, same tokens: a backend repeats itself exactly across instances, and every pair of available
 * backends draws the same tokens on the same inputs, except where the reference's decision margin is
 * below the golden tolerance (then float rounding may legitimately pick the neighbour).
 */
class CrossBackendDeterminismTest {

    private static final int VOCAB = 32003;
    private static final int BATCH = 16;
    private static final int STEPS = 4;

    private record Run(int[][] tokens) {
    }

    @Test
    void everyBackendRepeatsItself() {
        for (LogitFusionFactory factory : FusionBackends.available()) {
            assertArrayEquals(run(factory.backend()).tokens(), run(factory.backend()).tokens(),
                    factory.backend() + " changed its tokens between two instances");
        }
    }

    @Test
    void backendsDrawTheSameTokens() {
        List<FusionBackend> backends = FusionBackends.available().stream().map(LogitFusionFactory::backend).toList();
        assumeTrue(backends.size() >= 2, "only one backend runs here: " + LogitFusions.available());
        boolean[][] robust = referenceDecisions();
        for (int i = 0; i < backends.size(); i++) {
            for (int j = i + 1; j < backends.size(); j++) {
                assertSameTokens(backends.get(i), backends.get(j), robust);
            }
        }
    }

    /** Asserts the two backends agree on every robust row, and that most rows were robust enough to compare. */
    private static void assertSameTokens(FusionBackend first, FusionBackend second, boolean[][] robust) {
        int[][] a = run(first).tokens();
        int[][] b = run(second).tokens();
        int compared = 0;
        for (int t = 0; t < STEPS; t++) {
            for (int row = 0; row < BATCH; row++) {
                if (robust[t][row]) {
                    assertEquals(a[t][row], b[t][row], first + " and " + second + " disagree at step " + t + " row " + row);
                    compared++;
                }
            }
        }
        assertTrue(compared >= STEPS * BATCH * 3 / 4, "only " + compared + " of " + STEPS * BATCH
                + " decisions were robust enough to compare " + first + " with " + second);
    }

    /** Sampled rows over several steps; every row a different stream and seed, some with filters and penalties. */
    private static Run run(FusionBackend backend) {
        FusionShape shape = new FusionShape(2, BATCH, VOCAB, 16, 0);
        FusionStep step = new FusionStep(shape);
        FusionResult result = new FusionResult(shape);
        int[][] tokens = new int[STEPS][BATCH];
        try (LogitFusion fusion = LogitFusions.open(shape, backend)) {
            writeInputs(fusion, shape);
            for (int t = 0; t < STEPS; t++) {
                fill(step, t);
                fusion.fuse(step, result);
                System.arraycopy(result.tokens(), 0, tokens[t], 0, BATCH);
            }
        }
        return new Run(tokens);
    }

    /** Where the reference's decision is robust: its margin is at least the golden sampling tolerance. */
    private static boolean[][] referenceDecisions() {
        boolean[][] robust = new boolean[STEPS][BATCH];
        for (int t = 0; t < STEPS; t++) {
            for (int row = 0; row < BATCH; row++) {
                float[][] rows = rows(row);
                FusionReference.Outcome outcome = FusionReference.fuse(rows, rule(row), sampling(row), row, t,
                        history(row), row);
                robust[t][row] = outcome.margin() >= GoldenInputs.SAMPLING_MARGIN;
            }
        }
        return robust;
    }

    private static void writeInputs(LogitFusion fusion, FusionShape shape) {
        for (int row = 0; row < BATCH; row++) {
            float[][] rows = rows(row);
            for (int m = 0; m < 2; m++) {
                GoldenInputs.write(fusion.logits(), shape, m, row, rows[m]);
            }
        }
    }

    private static void fill(FusionStep step, int t) {
        step.clear();
        for (int row = 0; row < BATCH; row++) {
            int[] history = history(row);
            step.add(rule(row), sampling(row), row, t, history, history.length);
        }
    }

    private static float[][] rows(int row) {
        SplittableRandom random = new SplittableRandom(1000 + row);
        return new float[][] {GoldenInputs.logits(random, VOCAB, false), GoldenInputs.logits(random, VOCAB, true)};
    }

    private static FusionRule rule(int row) {
        return GoldenInputs.rule(new SplittableRandom(row), FusionMethod.values()[row % 5], 2);
    }

    private static SamplingParams sampling(int row) {
        SamplingParams variant = GoldenInputs.sampling(2 + row % 6, 77L * row, 0);
        return new SamplingParams(Math.max(variant.temperature(), 0.5f), variant.topK(), variant.topP(),
                variant.minP(), variant.repetitionPenalty(), variant.presencePenalty(), variant.frequencyPenalty(),
                variant.seed(), 0);
    }

    private static int[] history(int row) {
        return new SplittableRandom(row).ints(12, 0, VOCAB).toArray();
    }
}
