package dev.chorus.engine;

import dev.chorus.gguf.GgufFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One context per model shared by every collaboration, one decode per model per step, the prompt cache. */
class SharedRuntimeTest {
    private static final int CONTEXT = 512;
    private static final int SLOTS = 4;
    private static final String PROMPT = "And it came to pass in those days, that there went out a decree from Caesar"
            + " Augustus, that all the world should be taxed. And all went to be taxed, every one into his own city.";
    private static Engine engine;

    @BeforeAll
    static void start(@TempDir Path folder) {
        engine = TestEngines.start(folder, "context: " + CONTEXT + ", slots: " + SLOTS, """
                  cached: { path: {BASE}, threads: 1, context: 512, slots: 2 }
                collaborations:
                  experts: { kind: ensemble, method: linear, members: [ {model: kjv, weight: 0.5}, {model: pydocs, weight: 0.5} ] }
                  kjv-contrast: { kind: contrastive, expert: kjv, amateur: base, lambda: 0.5 }
                scheduler: { prefill_chunk: 64, fusion_backend: java }
                """);
    }

    @AfterAll
    static void stop() {
        if (engine != null) {
            engine.close();
        }
    }

    @Test
    void aModelOfThreeCollaborationsHasOneContextAndOneKvCache() throws IOException {
        ModelStats kjv = engine.modelStats("kjv");
        assertEquals(1, kjv.contexts(), "served alone, in 'experts' and in 'kjv-contrast'");
        assertEquals(SLOTS, kjv.slots());
        try (GgufFile file = GgufFile.open(SharedModels.path(SharedModels.KJV))) {
            long layers = file.getInt("llama.block_count");
            long kvWidth = (long) file.getInt("llama.embedding_length") / file.getInt("llama.attention.head_count")
                    * file.getInt("llama.attention.head_count_kv");
            long cells = (long) SLOTS * CONTEXT;
            long f16KeysAndValues = 2L * 2 * layers * kvWidth * cells;
            // llama.cpp reports the size in MiB with two decimals.
            assertEquals(f16KeysAndValues, kjv.kvCacheBytes(), 0.005 * 1024 * 1024,
                    "one cache of " + SLOTS + " x " + CONTEXT + " cells, not one per collaboration");
        }
    }

    @Test
    void aSingleModelAndAnEnsembleContainingItShareItsDecodes() throws InterruptedException {
        GenerationRequest alone = greedy(Prompt.text("And the LORD spake unto Moses"), 48);
        GenerationRequest mixed = greedy(Prompt.text("To open a file in Python"), 48);
        List<GenerationEvent.Token> kjvAlone = SameTokens.events(engine.submit("kjv", alone));
        List<GenerationEvent.Token> expertsAlone = SameTokens.events(engine.submit("experts", mixed));

        ModelStats before = engine.modelStats("kjv");
        Generation kjv = engine.submit("kjv", alone);
        Generation experts = engine.submit("experts", mixed);
        List<GenerationEvent.Token> kjvTogether = SameTokens.events(kjv);
        List<GenerationEvent.Token> expertsTogether = SameTokens.events(experts);
        ModelStats after = engine.modelStats("kjv");

        assertTrue(after.sharedDecodes() - before.sharedDecodes() > 0,
                "some llama_decode calls of 'kjv' carried both collaborations' sequences");
        long decodes = after.decodes() - before.decodes();
        int sampled = kjvTogether.size() + expertsTogether.size();
        assertTrue(decodes < sampled, decodes + " decodes of 'kjv' for " + sampled + " tokens: one per step, not per request");
        SameTokens.assertSameUpToRounding(kjvAlone, kjvTogether, "'kjv' alone vs beside 'experts'");
        SameTokens.assertSameUpToRounding(expertsAlone, expertsTogether, "'experts' alone vs beside 'kjv'");
    }

    @Test
    void aPromptExtendingAnEarlierOneReusesItsCachedPrefix() throws InterruptedException {
        int[] first = engine.vocab("cached").tokenize(PROMPT, true, false);
        int[] second = engine.vocab("cached").tokenize(PROMPT + " And Joseph also went up from Galilee", true, false);
        Completion earlier = engine.submit("cached", greedy(Prompt.tokens(first), 8)).await();
        // The cells hold the prompt and every sampled token but the last, which was never decoded.
        int[] cells = IntStream.concat(Arrays.stream(first),
                earlier.tokens().stream().limit(earlier.tokens().size() - 1).mapToInt(Integer::intValue)).toArray();
        int shared = Math.min(commonPrefix(cells, second), second.length - 1);
        assertTrue(shared > 40, "the prompts share " + shared + " tokens");
        ModelStats before = engine.modelStats("cached");

        Generation cached = engine.submit("cached", greedy(Prompt.tokens(second), 16));
        List<GenerationEvent.Token> cachedTokens = SameTokens.events(cached);
        Completion reused = cached.await();
        Generation fresh = engine.submit("cached", greedy(Prompt.tokens(second), 16).withCachePrompt(false));
        List<GenerationEvent.Token> freshTokens = SameTokens.events(fresh);

        assertEquals(shared, reused.usage().cachedPromptTokens());
        assertEquals(second.length, reused.usage().promptTokens());
        assertEquals(0, fresh.await().usage().cachedPromptTokens(), "cache_prompt false prefills everything");
        assertEquals(shared, engine.modelStats("cached").cachedTokens() - before.cachedTokens());
        SameTokens.assertSameUpToRounding(freshTokens, cachedTokens, "cached vs prefilled prompt");
    }

    @Test
    void theWholePromptCachedStillDecodesItsLastToken() throws InterruptedException {
        int[] prompt = engine.vocab("cached").tokenize("Blessed are the meek: for they shall inherit the earth.", true, false);
        engine.submit("cached", greedy(Prompt.tokens(prompt), 4)).await();
        Completion again = engine.submit("cached", greedy(Prompt.tokens(prompt), 4)).await();
        assertEquals(prompt.length - 1, again.usage().cachedPromptTokens(), "the last prompt token gives the logits");
    }

    private static GenerationRequest greedy(Prompt prompt, int tokens) {
        return GenerationRequest.of(prompt, tokens).withSampling(Sampling.GREEDY.withTopLogprobs(5));
    }

    private static int commonPrefix(int[] a, int[] b) {
        int length = Math.min(a.length, b.length);
        int mismatch = Arrays.mismatch(a, 0, length, b, 0, length);
        return mismatch < 0 ? length : mismatch;
    }
}
