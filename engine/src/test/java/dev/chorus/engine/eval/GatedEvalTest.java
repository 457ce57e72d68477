package dev.chorus.engine.eval;

import dev.chorus.engine.Completion;
import dev.chorus.engine.Engine;
import dev.chorus.engine.GateStats;
import dev.chorus.engine.Generation;
import dev.chorus.engine.GenerationRequest;
import dev.chorus.engine.Prompt;
import dev.chorus.engine.Sampling;
import dev.chorus.engine.SharedModels;
import dev.chorus.engine.TestPrompts;
import dev.chorus.engine.config.EngineConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gated fusion served and evaluated on the real experts, kjv leading at threshold 0.5: every greedy token the engine
 * serves is the argmax of the gated distribution {@code chorus eval} scores on the same tokens, where the lead decides
 * alone exactly where serving let it (up to the rounding of a batched decode: a near-tie of the distribution, or a
 * top probability at the threshold). The evaluator's extremes are the plain ensemble and the lead alone.
 */
class GatedEvalTest {
    private static final float THRESHOLD = 0.5f;
    private static final int TOKENS = 32;

    @Test
    void servedTokensAreTheArgmaxOfTheEvaluatedGatedDistribution(@TempDir Path folder) throws Exception {
        EngineConfig config = config(folder);
        List<int[]> windows = new ArrayList<>();
        List<Integer> prompts = new ArrayList<>();
        long servedLead = 0;
        long served = 0;
        try (Engine engine = Engine.start(config)) {
            for (String text : TestPrompts.MIXED) {
                int[] prompt = engine.tokenize("gated", text, true);
                Generation generation = engine.submit("gated", GenerationRequest.of(Prompt.tokens(prompt), TOKENS)
                        .withSampling(Sampling.GREEDY).withCachePrompt(false));
                Completion answer = generation.await();
                GateStats stats = generation.gate().orElseThrow();
                servedLead += stats.leadTokens();
                served += stats.tokens();
                windows.add(IntStream.concat(IntStream.of(prompt), answer.tokens().stream().mapToInt(t -> t))
                        .toArray());
                prompts.add(prompt.length);
            }
        }
        int positions = 0;
        int byLead = 0;
        int rounding = 0;
        try (PerplexityEvaluator evaluator = PerplexityEvaluator.open(config, List.of("gated"), 256)) {
            for (int w = 0; w < windows.size(); w++) {
                int[] window = windows.get(w);
                evaluator.evaluate(new TokenWindows(List.of(window)), EvalProgress.NONE);
                List<CollaborationScorer.GatedPosition> steps = evaluator.scorer("gated").lastWindow();
                for (int p = prompts.get(w) - 1; p < window.length - 1; p++) {
                    CollaborationScorer.GatedPosition step = steps.get(p);
                    positions++;
                    byLead += step.byLead() ? 1 : 0;
                    if (step.topToken() != window[p + 1]) {
                        rounding++;
                        boolean nearTie = step.topLogprob() - step.targetLogprob() < 0.01f;
                        boolean atThreshold = Math.abs(step.leadTopProbability() - THRESHOLD) < 0.01f;
                        assertTrue(nearTie || atThreshold, "window " + w + ", position " + p + ": served token "
                                + window[p + 1] + " is not the gated argmax " + step.topToken() + " (" + step + ")");
                    }
                }
            }
        }
        assertTrue(rounding <= positions / 50, rounding + " of " + positions + " positions differ by rounding");
        assertTrue(byLead > positions / 10 && byLead < positions - positions / 10,
                byLead + " of " + positions + ": the gate must both decide and fuse here");
        assertEquals((double) servedLead / served, (double) byLead / positions, 0.03,
                "served and evaluated skipped shares");
    }

    @Test
    void theEvaluatedExtremesAreThePlainEnsembleAndTheLeadAlone(@TempDir Path folder) throws IOException {
        EngineConfig config = config(folder);
        TokenWindows windows = TokenWindows.readInt32(SharedModels.f16().path(SharedModels.KJV).resolveSibling("heldout-kjv.i32"),
                128);
        List<String> names = List.of("kjv", "experts", "never", "always", "gated");
        try (PerplexityEvaluator evaluator = PerplexityEvaluator.open(config, names, 128)) {
            TokenWindows some = new TokenWindows(windows.windows().subList(0, 8));
            List<Perplexity> results = evaluator.evaluate(some, EvalProgress.NONE);
            Perplexity kjv = results.get(0);
            Perplexity experts = results.get(1);
            Perplexity never = results.get(2);
            Perplexity always = results.get(3);
            Perplexity gated = results.get(4);
            assertEquals(experts.finiteNllSum(), never.finiteNllSum(), 1e-6);
            assertEquals(0, never.leadTokens());
            assertEquals(kjv.finiteNllSum(), always.finiteNllSum(), 1e-6);
            assertEquals(always.tokens(), always.leadTokens());
            assertEquals(0, experts.leadTokens());
            assertTrue(gated.skippedShare() > 0 && gated.skippedShare() < 1, String.valueOf(gated.skippedShare()));
        }
    }

    private static EngineConfig config(Path folder) throws IOException {
        String experts = "members: [ { model: kjv, weight: 0.5 }, { model: pydocs, weight: 0.5 } ]";
        Path file = folder.resolve("chorus.yaml");
        Files.writeString(file, """
                models:
                  kjv:    { path: %s, threads: 1, context: 256, slots: 1 }
                  pydocs: { path: %s, threads: 1, context: 256, slots: 1 }
                collaborations:
                  experts: { kind: ensemble, %3$s }
                  never:   { kind: ensemble, %3$s, gate: { lead: kjv, threshold: 1.0 } }
                  always:  { kind: ensemble, %3$s, gate: { lead: kjv, threshold: 1.0e-6 } }
                  gated:   { kind: ensemble, %3$s, gate: { lead: kjv, threshold: %4$s } }
                scheduler: { fusion_backend: java }
                """.formatted(SharedModels.path(SharedModels.KJV), SharedModels.path(SharedModels.PYDOCS), experts,
                THRESHOLD));
        return EngineConfig.load(file);
    }
}
