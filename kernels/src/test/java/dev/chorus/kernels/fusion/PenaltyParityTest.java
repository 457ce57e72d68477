package dev.chorus.kernels.fusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.chorus.llama.PenaltySampler;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Penalties mean what llama.cpp means (FUSION.md, step 4): for a single model, the penalised distribution is the
 * one llama.cpp's own penalties sampler ({@code llama_sampler_init_penalties}, through the bindings) makes of the
 * same logits and history. The reference's penalised logits equal llama.cpp's within float rounding; every
 * backend, penalising on its own, draws the tokens the reference draws from llama.cpp's penalised logits with the
 * penalties off (greedy and sampled, with filters, over many Philox draws). Logits carry an offset of −6, 0 or +5
 * (the rule is not shift-invariant) and the history repeats the most likely tokens — where a rule on
 * log-probabilities would barely act.
 */
class PenaltyParityTest {

    private static final int VOCAB = 32000;
    private static final int MAX_HISTORY = 64;
    private static final int ROWS = 24;
    /** llama.cpp penalises in float: a logit of magnitude ≤ 20 is exact to a few ulps. */
    private static final double LOGIT_TOLERANCE = 2e-5;

    record Case(float offset, float repeat, float frequency, float presence, long seed) {
        @Override
        public String toString() {
            return "offset " + offset + ", repeat " + repeat + ", frequency " + frequency + ", presence " + presence;
        }
    }

    static List<Case> cases() {
        return List.of(new Case(0f, 1.3f, 0f, 0f, 1), new Case(5f, 1.3f, 0f, 0f, 2), new Case(-6f, 1.3f, 0f, 0f, 3),
                new Case(5f, 0.8f, 0f, 0f, 4), new Case(0f, 1f, 0.4f, 0f, 5), new Case(-6f, 1f, 0f, 0.7f, 6),
                new Case(5f, 1.2f, 0.3f, -0.5f, 7), new Case(0f, 2f, 0.1f, 0.2f, 8));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void theReferenceMatchesLlamaCpp(Case c) {
        Inputs inputs = Inputs.of(c);
        for (int row = 0; row < ROWS; row++) {
            float[] expected = inputs.llamaPenalised(row);
            FusionReference.Outcome outcome = FusionReference.fuse(new float[][] {inputs.logits}, single(),
                    inputs.sampling(row, true), row, row, inputs.histories[row], row);
            double[] ours = outcome.penalised();
            for (int i = 0; i < VOCAB; i++) {
                assertEquals(expected[i], ours[i], LOGIT_TOLERANCE * Math.max(1, Math.abs(expected[i])),
                        c + ", row " + row + ", token " + i);
            }
            double[] theirs = logSoftmax(expected);
            double[] mine = logSoftmax(ours);
            for (int i = 0; i < VOCAB; i++) {
                assertEquals(theirs[i], mine[i], 1e-4, c + ", row " + row + ": log-probability of token " + i);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(FusionBackend.class)
    void everyBackendPenalisesLikeLlamaCpp(FusionBackend backend) {
        LogitFusions.Availability availability = LogitFusions.available().stream()
                .filter(a -> a.backend() == backend).findFirst().orElseThrow();
        assumeTrue(availability.available(), backend + " does not run here: " + availability.unavailableReason().orElse(""));
        int compared = 0;
        int differentFromUnpenalised = 0;
        for (Case c : cases()) {
            Inputs inputs = Inputs.of(c);
            FusionShape shape = new FusionShape(1, ROWS, VOCAB, MAX_HISTORY, 0);
            FusionStep step = new FusionStep(shape);
            FusionResult result = new FusionResult(shape);
            List<FusionReference.Outcome> expected = new ArrayList<>();
            List<Integer> unpenalised = new ArrayList<>();
            for (int row = 0; row < ROWS; row++) {
                int[] history = inputs.histories[row];
                step.add(single(), inputs.sampling(row, true), row, row, history, history.length);
                SamplingParams off = inputs.sampling(row, false);
                expected.add(FusionReference.fuse(new float[][] {inputs.llamaPenalised(row)}, single(), off, row, row,
                        new int[0], row));
                unpenalised.add(FusionReference.fuse(new float[][] {inputs.logits}, single(), off, row, row,
                        new int[0], row).token());
            }
            try (LogitFusion fusion = availability.factory().open(shape)) {
                for (int row = 0; row < ROWS; row++) {
                    GoldenInputs.write(fusion.logits(), shape, 0, row, inputs.logits);
                }
                fusion.fuse(step, result);
            }
            for (int row = 0; row < ROWS; row++) {
                FusionReference.Outcome want = expected.get(row);
                SamplingParams sampling = step.sampling(row);
                double allowed = sampling.greedy() ? GoldenInputs.GREEDY_MARGIN : GoldenInputs.SAMPLING_MARGIN;
                if (want.margin() < allowed) {
                    continue;
                }
                assertEquals(want.token(), result.token(row), backend + " " + c + ", row " + row + " (" + sampling
                        + "): not the token of llama.cpp's penalised logits");
                compared++;
                differentFromUnpenalised += want.token() != unpenalised.get(row) ? 1 : 0;
            }
        }
        assertTrue(compared >= cases().size() * ROWS * 9 / 10, "only " + compared + " rows were robust enough to compare");
        assertTrue(differentFromUnpenalised >= cases().size() * 2,
                "the penalties changed only " + differentFromUnpenalised + " of " + compared + " tokens: the test cannot tell");
    }

    private static FusionRule single() {
        return FusionRule.of(FusionMethod.LINEAR, 1f);
    }

    private static double[] logSoftmax(double[] x) {
        double max = Arrays.stream(x).max().orElseThrow();
        double sum = 0;
        for (double v : x) {
            sum += Math.exp(v - max);
        }
        double log = max + Math.log(sum);
        return Arrays.stream(x).map(v -> v - log).toArray();
    }

    private static double[] logSoftmax(float[] x) {
        double[] wide = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            wide[i] = x[i];
        }
        return logSoftmax(wide);
    }

    /** One case's logits (shared by every row) and per-row histories. */
    private record Inputs(Case c, float[] logits, int[][] histories) {

        static Inputs of(Case c) {
            SplittableRandom random = new SplittableRandom(c.seed());
            float[] logits = GoldenInputs.logits(random, VOCAB, false);
            for (int i = 0; i < VOCAB; i++) {
                logits[i] += c.offset();
            }
            int[] likely = topTokens(logits, 8);
            int[][] histories = new int[ROWS][];
            for (int row = 0; row < ROWS; row++) {
                // Row 0 has no history; the others repeat some of the likeliest tokens among random ones.
                int length = row == 0 ? 0 : 1 + random.nextInt(MAX_HISTORY);
                histories[row] = new int[length];
                for (int j = 0; j < length; j++) {
                    histories[row][j] = random.nextInt(3) == 0 ? random.nextInt(VOCAB) : likely[random.nextInt(1 + row % 8)];
                }
            }
            return new Inputs(c, logits, histories);
        }

        /** llama.cpp's penalties sampler, fed row {@code row}'s history, applied to the logits. */
        float[] llamaPenalised(int row) {
            try (PenaltySampler sampler = PenaltySampler.open(VOCAB, MAX_HISTORY, c.repeat(), c.frequency(), c.presence())) {
                for (int token : histories[row]) {
                    sampler.accept(token);
                }
                return sampler.apply(logits);
            }
        }

        /** Greedy, plain, top-p and min-p sampling in turn; with or without the case's penalties. */
        SamplingParams sampling(int row, boolean penalised) {
            float repeat = penalised ? c.repeat() : 1f;
            float frequency = penalised ? c.frequency() : 0f;
            float presence = penalised ? c.presence() : 0f;
            long seed = 1000L * c.seed() + row;
            return switch (row % 4) {
                case 0 -> new SamplingParams(0f, 0, 1f, 0f, repeat, presence, frequency, seed, 0);
                case 1 -> new SamplingParams(1f, 0, 1f, 0f, repeat, presence, frequency, seed, 0);
                case 2 -> new SamplingParams(0.7f, 40, 0.9f, 0f, repeat, presence, frequency, seed, 0);
                default -> new SamplingParams(1.3f, 0, 1f, 0.05f, repeat, presence, frequency, seed, 0);
            };
        }

        private static int[] topTokens(float[] logits, int n) {
            double[] wide = new double[logits.length];
            for (int i = 0; i < logits.length; i++) {
                wide[i] = logits[i];
            }
            return FusionReference.topIndices(wide, n);
        }
    }
}
