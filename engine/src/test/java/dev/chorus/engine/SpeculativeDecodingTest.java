package dev.chorus.engine;

import dev.chorus.testkit.RealModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Draft-model speculative decoding of a {@code single} collaboration on the real models: {@code base} drafted by its
 * Q8_0 copy (a model and its quantisation agree on most tokens), or by {@code kjv} where only the Q8_0 files are
 * here. Greedy output is the model's own, token for token up to batched-decode rounding ({@link SameTokens}); sampled
 * output is reproducible per seed (its exactness in distribution is the kernels' chi-square test of step 9).
 */
class SpeculativeDecodingTest {
    private static final int TOKENS = 32;
    private static Engine engine;

    @BeforeAll
    static void start(@TempDir Path folder) {
        RealModels located = SharedModels.located();
        Path quantised = SharedModels.quantised().path(SharedModels.BASE);
        String draft = located.f16() ? "base8" : "kjv";
        engine = TestEngines.start(folder, "context: 256, slots: 2", """
                  base8:  { path: %s, threads: 1, context: 256, slots: 2 }
                collaborations:
                  fast:   { kind: single, model: base, draft: %s, draft_tokens: 6 }
                scheduler: { fusion_backend: java }
                """.formatted(quantised, draft));
    }

    @AfterAll
    static void stop() {
        if (engine != null) {
            engine.close();
        }
    }

    @Test
    void greedyOutputIsTheModelsOwn() throws InterruptedException {
        Sampling greedy = Sampling.GREEDY.withTopLogprobs(5);
        int differing = 0;
        for (String text : TestPrompts.MIXED) {
            GenerationRequest request = GenerationRequest.of(Prompt.text(text), TOKENS).withSampling(greedy)
                    .withCachePrompt(false);
            List<GenerationEvent.Token> plain = SameTokens.events(engine.submit("base", request));
            List<GenerationEvent.Token> speculated = SameTokens.events(engine.submit("fast", request));
            differing += SameTokens.assertSameUpToRounding(plain, speculated, "'" + text + "'") ? 1 : 0;
        }
        assertTrue(differing <= 2, differing + " of " + TestPrompts.MIXED.size()
                + " prompts differ by rounding: not rare");
        SpeculationStats stats = engine.speculationStats("fast");
        assertTrue(stats.verifications() > 0 && stats.acceptedTokens() > 0, stats.toString());
        assertTrue(stats.acceptedTokens() <= stats.proposedTokens(), stats.toString());
        assertEquals(0, engine.speculationStats("base").proposedTokens(), "the model alone does not speculate");
    }

    @Test
    void seededSamplingIsReproducible() throws InterruptedException {
        GenerationRequest request = GenerationRequest.of(Prompt.text("And the LORD spake"), TOKENS)
                .withSampling(Sampling.sampled(0.9, 7).withTopK(40).withTopP(0.95).withRepeatPenalty(1.1)).withCachePrompt(false);
        Completion first = engine.submit("fast", request).await();
        Completion second = engine.submit("fast", request).await();
        assertEquals(FinishReason.LENGTH, first.reason(), first.toString());
        assertEquals(first.tokens(), second.tokens());
        assertEquals(TOKENS, first.tokens().size());
    }
}
