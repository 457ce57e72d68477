package dev.chorus.engine;

import dev.chorus.testkit.RealModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Speculative decoding with one slot per model (SpeculationBench's configuration): consecutive requests share the
 * slots and their cached prefixes, with and without the prompt cache, greedy and sampled, up to the context's end.
 * A hang fails the test by its timeout.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SpeculationOneSlotTest {
    private static final int CONTEXT = 512;
    private static Engine engine;

    @BeforeAll
    static void start(@TempDir Path folder) {
        RealModels located = SharedModels.located();
        Path quantised = SharedModels.quantised().path(SharedModels.BASE);
        String draft = located.f16() ? "base8" : "kjv";
        engine = TestEngines.start(folder, "context: " + CONTEXT + ", slots: 1", """
                  base8:  { path: %s, threads: 1, context: %d, slots: 1 }
                collaborations:
                  fast:   { kind: single, model: base, draft: %s, draft_tokens: 8 }
                scheduler: { fusion_backend: java }
                """.formatted(quantised, CONTEXT, draft));
    }

    @AfterAll
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    static void stop() {
        if (engine != null) {
            engine.close();
        }
    }

    private static Completion run(String collaboration, String text, int tokens, Sampling sampling, boolean cache)
            throws InterruptedException {
        GenerationRequest request = GenerationRequest.of(Prompt.text(text), tokens).withSampling(sampling)
                .withCachePrompt(cache);
        return engine.submit(collaboration, request).await();
    }

    @Test
    void benchSequenceFinishes() throws InterruptedException {
        // SpeculationBench: a warm-up to each with the prompt cache, then timed greedy requests without it.
        run("base", "In the beginning God created", 8, Sampling.GREEDY, true);
        run("fast", "In the beginning God created", 8, Sampling.GREEDY, true);
        long verified = engine.speculationStats("fast").verifications();
        for (String text : new String[] {"In the beginning God created", "def read_file(path):"}) {
            GenerationRequest request = GenerationRequest.of(Prompt.text(text), 128).withSampling(Sampling.GREEDY)
                    .withCachePrompt(false);
            List<GenerationEvent.Token> alone = SameTokens.events(engine.submit("base", request));
            List<GenerationEvent.Token> drafted = SameTokens.events(engine.submit("fast", request));
            SameTokens.assertSameUpToRounding(alone, drafted, "'" + text + "'");
        }
        assertTrue(engine.speculationStats("fast").verifications() > verified, "the draft proposed");
    }

    @Test
    void cachedPrefixesAcrossRequestsRepeatTheirOutput() throws InterruptedException {
        // Each request reuses the slots' cached prefix, which the draft's cells may hold less of than the model's.
        List<Integer> greedyFirst = null;
        List<Integer> sampledFirst = null;
        for (int i = 0; i < 4; i++) {
            Completion greedy = run("fast", "And the LORD said unto Moses", 48, Sampling.GREEDY, true);
            Completion sampled = run("fast", "And the LORD said unto Moses", 48, Sampling.sampled(0.9, 5), true);
            assertTrue(greedy.tokens().size() <= 48 && sampled.tokens().size() <= 48, greedy + " " + sampled);
            if (i == 1) {
                greedyFirst = greedy.tokens();
                sampledFirst = sampled.tokens();
            } else if (i > 1) {
                // From the second round on every request finds the same cache: same output.
                assertEquals(greedyFirst, greedy.tokens(), "greedy round " + i);
                assertEquals(sampledFirst, sampled.tokens(), "sampled round " + i);
            }
        }
    }

    @Test
    void generationToTheContextsEndFinishes() throws InterruptedException {
        String text = "And it came to pass in those days, ".repeat(20);
        for (boolean cache : new boolean[] {false, true, true}) {
            Completion greedy = run("fast", text, CONTEXT, Sampling.GREEDY, cache);
            assertTrue(greedy.reason() == FinishReason.LENGTH || greedy.reason() == FinishReason.STOP, greedy.toString());
            Completion sampled = run("fast", text, CONTEXT, Sampling.sampled(1.0, 3), cache);
            assertTrue(sampled.reason() == FinishReason.LENGTH || sampled.reason() == FinishReason.STOP, sampled.toString());
        }
    }
}
