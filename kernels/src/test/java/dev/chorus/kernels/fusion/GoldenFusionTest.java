package dev.chorus.kernels.fusion;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every available backend against {@link FusionReference} on random inputs from fixed seeds: the full
 * cross product of method × members × batch on a vocabulary that is no multiple of any block size
 * (32003), and one sampled case per method on 32000 and 151936. Rows cycle through greedy and sampled
 * configurations with every filter, penalty and top-n; some cases mask 5% of the logits to −∞.
 * Tolerances are in {@link GoldenInputs}.
 */
class GoldenFusionTest {

    private static final int MAX_HISTORY = 64;

    record Case(FusionMethod method, int members, int batch, int vocab, long seed) {
        @Override
        public String toString() {
            return method + " N=" + members + " B=" + batch + " V=" + vocab + " seed=" + seed;
        }
    }

    static Stream<Arguments> cases() {
        List<Case> cases = new ArrayList<>();
        long seed = 1;
        for (FusionMethod method : FusionMethod.values()) {
            for (int members : method == FusionMethod.CONTRASTIVE ? new int[] {2} : new int[] {1, 2, 4}) {
                for (int batch : new int[] {1, 7, 32}) {
                    cases.add(new Case(method, members, batch, 32003, seed++));
                }
            }
        }
        SplittableRandom pick = new SplittableRandom(2026);
        for (int vocab : new int[] {32000, 151936}) {
            for (FusionMethod method : FusionMethod.values()) {
                int members = method == FusionMethod.CONTRASTIVE ? 2 : new int[] {1, 2, 4}[pick.nextInt(3)];
                int batch = vocab > 100_000 ? 7 : 32;
                cases.add(new Case(method, members, batch, vocab, seed++));
            }
        }
        List<Arguments> arguments = new ArrayList<>();
        for (LogitFusionFactory factory : FusionBackends.available()) {
            for (Case c : cases) {
                arguments.add(Arguments.of(factory.backend(), c));
            }
        }
        return arguments.stream();
    }

    @Test
    void theJavaBackendRuns() {
        assertTrue(FusionBackends.available().stream().anyMatch(f -> f.backend() == FusionBackend.JAVA),
                "the Java backend must always be available: " + LogitFusions.available());
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void matchesTheReference(FusionBackend backend, Case c) {
        SplittableRandom random = new SplittableRandom(c.seed());
        FusionShape shape = new FusionShape(c.members(), c.batch(), c.vocab(), MAX_HISTORY, 20);
        FusionStep step = new FusionStep(shape);
        FusionResult result = new FusionResult(shape);
        List<FusionReference.Outcome> expected = new ArrayList<>();
        List<SamplingParams> samplings = new ArrayList<>();
        try (LogitFusion fusion = LogitFusions.open(shape, backend)) {
            assertFalse(fusion.device().isBlank());
            for (int b = 0; b < c.batch(); b++) {
                float[][] rows = new float[c.members()][];
                for (int m = 0; m < c.members(); m++) {
                    rows[m] = GoldenInputs.logits(random, c.vocab(), c.seed() % 3 == 0 && m == c.members() - 1);
                    GoldenInputs.write(fusion.logits(), shape, m, b, rows[m]);
                }
                FusionRule rule = GoldenInputs.rule(random, c.method(), c.members());
                SamplingParams sampling = GoldenInputs.sampling((int) (b + c.seed()), random.nextLong(), 20);
                int[] history = GoldenInputs.history(random, c.vocab(), random.nextInt(MAX_HISTORY + 1),
                        GoldenInputs.argmax(rows[0]));
                int stream = random.nextInt(1000);
                int tokenIndex = random.nextInt(4096);
                step.add(rule, sampling, stream, tokenIndex, history, history.length);
                expected.add(FusionReference.fuse(rows, rule, sampling, stream, tokenIndex, history, b));
                samplings.add(sampling);
            }
            fusion.fuse(step, result);
        }
        for (int b = 0; b < c.batch(); b++) {
            GoldenInputs.assertMatches(expected.get(b), samplings.get(b), result, b, backend + " " + c + " row " + b);
        }
    }
}
