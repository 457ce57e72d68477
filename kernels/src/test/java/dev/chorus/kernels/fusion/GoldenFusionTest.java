package dev.chorus.kernels.fusion;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every available backend against {@link FusionReference} on random inputs from fixed seeds: the full
 * cross product of method × members × batch ∈ {1, 7} on a vocabulary that is no multiple of any block
 * size (32003), and per method one sampled member count at B = 32 on 32003 and at B = 7 on 32000 and
 * 151936, so the suite stays near a minute on two busy cores with PoCL's OpenCL. Rows cycle through
 * greedy and sampled configurations with every filter, penalty and top-n; every third case masks 5% of
 * one member's logits to −∞. Tolerances are in {@link GoldenInputs}.
 */
class GoldenFusionTest {

    private static final int MAX_HISTORY = 64;

    record Case(FusionMethod method, int members, int batch, int vocab, long seed) {
        @Override
        public String toString() {
            return method + " N=" + members + " B=" + batch + " V=" + vocab + " seed=" + seed;
        }
    }

    static Stream<Case> cases() {
        List<Case> cases = new ArrayList<>();
        long seed = 1;
        SplittableRandom pick = new SplittableRandom(2026);
        for (FusionMethod method : FusionMethod.values()) {
            int[] memberCounts = method == FusionMethod.CONTRASTIVE ? new int[] {2} : new int[] {1, 2, 4};
            for (int members : memberCounts) {
                for (int batch : new int[] {1, 7}) {
                    cases.add(new Case(method, members, batch, 32003, seed++));
                }
            }
            int sampledMembers = memberCounts[pick.nextInt(memberCounts.length)];
            cases.add(new Case(method, sampledMembers, 32, 32003, seed++));
            cases.add(new Case(method, memberCounts[pick.nextInt(memberCounts.length)], 7, 32000, seed++));
            cases.add(new Case(method, memberCounts[pick.nextInt(memberCounts.length)], 7, 151936, seed++));
        }
        return cases.stream();
    }

    @Test
    void theJavaBackendRuns() {
        assertTrue(FusionBackends.available().stream().anyMatch(f -> f.backend() == FusionBackend.JAVA),
                "the Java backend must always be available: " + LogitFusions.available());
    }

    /** One set of inputs and reference outcomes per case, then every available backend on them. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void everyBackendMatchesTheReference(Case c) {
        SplittableRandom random = new SplittableRandom(c.seed());
        FusionShape shape = new FusionShape(c.members(), c.batch(), c.vocab(), MAX_HISTORY, 20);
        FusionStep step = new FusionStep(shape);
        float[][][] logits = new float[c.batch()][c.members()][];
        List<FusionReference.Outcome> expected = new ArrayList<>();
        for (int b = 0; b < c.batch(); b++) {
            for (int m = 0; m < c.members(); m++) {
                logits[b][m] = GoldenInputs.logits(random, c.vocab(), c.seed() % 3 == 0 && m == c.members() - 1);
            }
            FusionRule rule = GoldenInputs.rule(random, c.method(), c.members());
            SamplingParams sampling = GoldenInputs.sampling((int) (b + c.seed()), random.nextLong(), 20);
            int[] history = GoldenInputs.history(random, c.vocab(), random.nextInt(MAX_HISTORY + 1),
                    GoldenInputs.argmax(logits[b][0]));
            int stream = random.nextInt(1000);
            int tokenIndex = random.nextInt(4096);
            step.add(rule, sampling, stream, tokenIndex, history, history.length);
            expected.add(FusionReference.fuse(logits[b], rule, sampling, stream, tokenIndex, history, b));
        }
        for (LogitFusionFactory factory : FusionBackends.available()) {
            FusionResult result = new FusionResult(shape);
            try (LogitFusion fusion = factory.open(shape)) {
                assertFalse(fusion.device().isBlank());
                for (int b = 0; b < c.batch(); b++) {
                    for (int m = 0; m < c.members(); m++) {
                        GoldenInputs.write(fusion.logits(), shape, m, b, logits[b][m]);
                    }
                }
                fusion.fuse(step, result);
            }
            for (int b = 0; b < c.batch(); b++) {
                GoldenInputs.assertMatches(expected.get(b), step.sampling(b), result, b,
                        factory.backend() + " " + c + " row " + b);
            }
        }
    }
}
