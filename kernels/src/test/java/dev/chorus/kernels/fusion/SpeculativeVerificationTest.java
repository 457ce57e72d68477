package dev.chorus.kernels.fusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Step 9 of {@code kernels/FUSION.md} (verifying speculated tokens) on every backend that runs, and on the reference:
 * golden rows against {@link FusionReference#verify}, and the exactness of speculative sampling. For the latter the
 * first speculated token over 20,000 fixed seeds (a proposal drawn from the draft's Q, then verified against the fused
 * P of a two-member pool) must follow P: Pearson chi-square below the 0.999 quantile, and the acceptance rate must be
 * {@code Σ min(P, Q)} within 4.5 standard deviations.
 */
class SpeculativeVerificationTest {

    private static final int VOCAB = 16;
    private static final int SEEDS = 20_000;
    private static final int PAIRS = 250;
    private static final FusionRule TARGET = FusionRule.of(FusionMethod.LINEAR, 0.6f, 0.4f);
    /** The proposer alone: member 0 holds its logits (member 1 a copy, skipped). */
    private static final FusionRule DRAFT = FusionRule.of(FusionMethod.LINEAR, 1f, 0f);
    private static final double[] CHI_SQUARE_999 = {10.83, 13.82, 16.27, 18.47, 20.52, 22.46, 24.32, 26.12, 27.88,
        29.59, 31.26, 32.91, 34.53, 36.12, 37.70};

    /** "reference" or a backend that runs here. */
    static Stream<String> engines() {
        return Stream.concat(Stream.of("reference"),
                FusionBackends.available().stream().map(factory -> factory.backend().id()));
    }

    @ParameterizedTest
    @MethodSource("engines")
    void theFirstSpeculatedTokenFollowsTheFusedDistribution(String engine) {
        assertExact(engine, SamplingParams.sampled(1f, 0L));
    }

    @ParameterizedTest
    @MethodSource("engines")
    void filteredSpeculationFollowsTheFilteredDistribution(String engine) {
        assertExact(engine, new SamplingParams(0.8f, 10, 0.97f, 0.01f, 1f, 0f, 0f, 0L, 0));
    }

    @ParameterizedTest
    @MethodSource("engines")
    void verifiedRowsMatchTheReference(String engine) {
        SplittableRandom random = new SplittableRandom(18);
        int vocab = 32003;
        int pairs = 12;
        FusionShape shape = new FusionShape(2, 2 * pairs, vocab, 64, 20);
        FusionStep step = new FusionStep(shape);
        float[][][] logits = new float[2 * pairs][][];
        List<FusionReference.Outcome> targets = new ArrayList<>();
        List<FusionReference.Outcome> drafts = new ArrayList<>();
        for (int b = 0; b < pairs; b++) {
            float[] draft = GoldenInputs.logits(random, vocab, false);
            float[][] members = {GoldenInputs.logits(random, vocab, false), GoldenInputs.logits(random, vocab, b % 3 == 0)};
            // Half the targets lean on the draft, as a real ensemble agrees with its proposer on most tokens.
            if (b % 2 == 0) {
                for (int i = 0; i < vocab; i++) {
                    members[0][i] = draft[i] + (float) GoldenInputs.gaussian(random) * 0.3f;
                }
            }
            FusionRule rule = GoldenInputs.rule(random, b % 4 == 3 ? FusionMethod.LOG_LINEAR : FusionMethod.LINEAR, 2);
            SamplingParams sampling = GoldenInputs.sampling(b, random.nextLong(), 20);
            int[] history = GoldenInputs.history(random, vocab, random.nextInt(65), GoldenInputs.argmax(members[0]));
            int stream = random.nextInt(100);
            int tokenIndex = random.nextInt(4096);
            logits[b] = members;
            logits[pairs + b] = new float[][] {draft, draft};
            step.add(rule, sampling, stream, tokenIndex, history, history.length);
            targets.add(FusionReference.fuse(members, rule, sampling, stream, tokenIndex, history, b));
            drafts.add(FusionReference.fuse(logits[pairs + b], DRAFT, sampling, stream, tokenIndex, history, pairs + b));
        }
        for (int b = 0; b < pairs; b++) {
            step.add(DRAFT, step.sampling(b), step.stream(b), step.step(b), history(step, b), step.historyLength(b));
        }
        for (int b = 0; b < pairs; b++) {
            // The draft's own draw (or, for greedy rows, alternately the target's argmax and another token).
            int proposal = step.sampling(b).greedy()
                    ? (b % 4 == 0 ? targets.get(b).token() : drafts.get(b).token()) : drafts.get(b).token();
            step.propose(b, proposal, step.sampling(b).greedy() ? FusionStep.NO_PROPOSAL : pairs + b);
        }
        FusionResult result;
        try (Engine running = new Engine(engine, shape)) {
            result = running.run(step, logits);
        }
        int accepted = 0;
        for (int b = 0; b < pairs; b++) {
            FusionReference.Outcome want = FusionReference.verify(targets.get(b), drafts.get(b), step.proposal(b),
                    step.sampling(b), step.stream(b), step.step(b));
            String context = engine + " row " + b + " " + step.sampling(b);
            GoldenInputs.assertMatches(want, step.sampling(b), result, b, context);
            if (result.token(b) == want.token()) {
                assertEquals(want.accepted(), result.accepted(b), context + ": accepted");
            }
            accepted += result.accepted(b) ? 1 : 0;
        }
        assertTrue(accepted > 0 && accepted < pairs, engine + ": accepted " + accepted + " of " + pairs);
    }

    private static void assertExact(String engine, SamplingParams sampling) {
        SplittableRandom random = new SplittableRandom(19);
        float[][] target = new float[2][VOCAB];
        float[] draft = new float[VOCAB];
        for (int i = 0; i < VOCAB; i++) {
            target[0][i] = (float) (GoldenInputs.gaussian(random) * 1.5);
            target[1][i] = (float) (GoldenInputs.gaussian(random) * 1.5);
            draft[i] = target[0][i] + (float) (GoldenInputs.gaussian(random) * 1.0);
        }
        double[] p = SamplingDistributionTest.keptProbabilities(target, TARGET, sampling);
        double[] q = SamplingDistributionTest.keptProbabilities(new float[][] {draft, draft}, DRAFT, sampling);
        FusionShape shape = new FusionShape(2, 2 * PAIRS, VOCAB, 0, 0);
        float[][][] logits = new float[2 * PAIRS][][];
        for (int b = 0; b < PAIRS; b++) {
            logits[b] = target;
            logits[PAIRS + b] = new float[][] {draft, draft};
        }
        long[] counts = new long[VOCAB];
        long accepted = 0;
        FusionStep proposals = new FusionStep(shape);
        FusionStep verification = new FusionStep(shape);
        try (Engine drafter = new Engine("reference", shape); Engine running = new Engine(engine, shape)) {
        for (int first = 0; first < SEEDS; first += PAIRS) {
            // The draft draws its proposal at step 0 with each seed (on the reference: the draw from Q is not what is
            // tested here), then the pool verifies it on the engine under test.
            proposals.clear();
            verification.clear();
            for (int b = 0; b < PAIRS; b++) {
                proposals.add(DRAFT, seeded(sampling, first + b), 0, 0, new int[0], 0);
                verification.add(TARGET, seeded(sampling, first + b), 0, 0, new int[0], 0);
            }
            for (int b = 0; b < PAIRS; b++) {
                verification.add(DRAFT, seeded(sampling, first + b), 0, 0, new int[0], 0);
            }
            FusionResult drawn = drafter.run(proposals, draftOnly(logits));
            for (int b = 0; b < PAIRS; b++) {
                verification.propose(b, drawn.token(b), PAIRS + b);
            }
            FusionResult verified = running.run(verification, logits);
            for (int b = 0; b < PAIRS; b++) {
                counts[verified.token(b)]++;
                accepted += verified.accepted(b) ? 1 : 0;
            }
        }
        }
        double chiSquare = 0;
        int kept = 0;
        double acceptance = 0;
        for (int i = 0; i < VOCAB; i++) {
            acceptance += Math.min(p[i], q[i]);
            if (p[i] == 0) {
                assertEquals(0, counts[i], engine + ": token " + i + " is outside P but was produced");
            } else {
                kept++;
                double want = p[i] * SEEDS;
                chiSquare += (counts[i] - want) * (counts[i] - want) / want;
            }
        }
        assertTrue(kept >= 3, "P should leave a real choice: " + kept);
        assertTrue(chiSquare < CHI_SQUARE_999[kept - 2], engine + ": chi-square " + chiSquare + " with "
                + (kept - 1) + " degrees of freedom");
        double sigma = Math.sqrt(SEEDS * acceptance * (1 - acceptance));
        assertEquals(SEEDS * acceptance, accepted, 4.5 * sigma, engine + ": accepted proposals");
        assertTrue(acceptance > 0.3 && acceptance < 0.95, "the draft should disagree sometimes: " + acceptance);
    }

    private static SamplingParams seeded(SamplingParams sampling, long seed) {
        return new SamplingParams(sampling.temperature(), sampling.topK(), sampling.topP(), sampling.minP(),
                sampling.repetitionPenalty(), sampling.presencePenalty(), sampling.frequencyPenalty(), seed,
                sampling.topLogprobs());
    }

    /** The proposal step's rows: the draft's logits in rows 0 .. PAIRS − 1. */
    private static float[][][] draftOnly(float[][][] logits) {
        float[][][] rows = logits.clone();
        for (int b = 0; b < PAIRS; b++) {
            rows[b] = logits[PAIRS + b];
        }
        return rows;
    }

    private static int[] history(FusionStep step, int b) {
        int[] history = new int[step.historyLength(b)];
        for (int j = 0; j < history.length; j++) {
            history[j] = step.history(b, j);
        }
        return history;
    }

    /** The reference or an open backend, fusing a step whose rows' member logits are {@code logits[b][m]}. */
    private static final class Engine implements AutoCloseable {
        private final FusionShape shape;
        private final LogitFusion fusion;
        private final Arena arena = Arena.ofConfined();
        private final MemorySegment staging;

        Engine(String name, FusionShape shape) {
            this.shape = shape;
            this.fusion = name.equals("reference") ? null
                    : LogitFusions.open(shape, FusionBackend.valueOf(name.toUpperCase(Locale.ROOT)));
            this.staging = fusion != null ? fusion.logits() : arena.allocate(shape.logitCount() * Float.BYTES, 4);
        }

        FusionResult run(FusionStep step, float[][][] logits) {
            FusionResult result = new FusionResult(shape);
            write(staging, shape, step, logits);
            if (fusion == null) {
                FusionReference.fuse(staging, step, result);
            } else {
                fusion.fuse(step, result);
            }
            return result;
        }

        @Override
        public void close() {
            if (fusion != null) {
                fusion.close();
            }
            arena.close();
        }
    }

    private static void write(MemorySegment staging, FusionShape shape, FusionStep step, float[][][] logits) {
        for (int b = 0; b < step.batch(); b++) {
            for (int m = 0; m < shape.members(); m++) {
                GoldenInputs.write(staging, shape, m, b, logits[b][m]);
            }
        }
    }
}
