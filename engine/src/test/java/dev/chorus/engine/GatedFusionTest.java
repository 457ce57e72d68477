package dev.chorus.engine;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gated fusion of the two experts on the real models, kjv leading: with a threshold its top probability never
 * reaches, greedy output is the plain ensemble's (up to batched-decode rounding, {@link SameTokens}); with one it
 * always reaches, the lead's alone, token for token, while the other model decodes only the prompt; in between, the
 * skipped share is reported per generation and per collaboration, and the lagging model's cached prefix is what its
 * cells hold (a continuation reusing it, or one after a cancelled request, equals the same request without the cache).
 * A constrained request fuses every token.
 */
class GatedFusionTest {
    private static final int TOKENS = 24;
    private static final String EXPERTS = "members: [ { model: kjv, weight: 0.5 }, { model: pydocs, weight: 0.5 } ]";
    private static Engine engine;

    @BeforeAll
    static void start(@TempDir Path folder) {
        engine = TestEngines.start(folder, "context: 256, slots: 2", """
                collaborations:
                  experts: { kind: ensemble, %1$s }
                  never:   { kind: ensemble, %1$s, gate: { lead: kjv, threshold: 1.0 } }
                  always:  { kind: ensemble, %1$s, gate: { lead: kjv, threshold: 1.0e-6 } }
                  gated:   { kind: ensemble, %1$s, gate: { lead: kjv, threshold: 0.5 } }
                scheduler: { fusion_backend: java }
                """.formatted(EXPERTS));
    }

    @AfterAll
    static void stop() {
        if (engine != null) {
            engine.close();
        }
    }

    @Test
    void aThresholdTheLeadNeverReachesServesThePlainEnsemble() throws InterruptedException {
        int differing = 0;
        for (String text : TestPrompts.MIXED) {
            GenerationRequest request = greedy(text, TOKENS);
            List<GenerationEvent.Token> plain = SameTokens.events(engine.submit("experts", request));
            Generation generation = engine.submit("never", request);
            List<GenerationEvent.Token> gated = SameTokens.events(generation);
            differing += SameTokens.assertSameUpToRounding(plain, gated, "'" + text + "'") ? 1 : 0;
            GateStats stats = generation.gate().orElseThrow();
            assertEquals(0, stats.leadTokens(), text);
            assertTrue(stats.tokens() == gated.size() || stats.tokens() == gated.size() + 1, stats + " " + gated.size());
            assertEquals(2, gated.getFirst().members().size(), "a fused token reports both members");
        }
        assertTrue(differing <= 2, differing + " of " + TestPrompts.MIXED.size() + " prompts differ by rounding: not rare");
        GateStats total = engine.stats("never").gate();
        assertTrue(total.tokens() >= TestPrompts.MIXED.size() * (long) TOKENS / 2 && total.leadTokens() == 0,
                total.toString());
        assertEquals(0.0, total.skippedShare());
    }

    @Test
    void aThresholdTheLeadAlwaysReachesServesTheLeadAloneAndSkipsTheOthersDecodes() throws InterruptedException {
        for (String text : TestPrompts.MIXED) {
            GenerationRequest request = greedy(text, TOKENS);
            List<GenerationEvent.Token> lead = SameTokens.events(engine.submit("kjv", request));
            long pydocsBefore = engine.modelStats("pydocs").tokens();
            Generation generation = engine.submit("always", request);
            List<GenerationEvent.Token> gated = SameTokens.events(generation);
            long pydocsDecoded = engine.modelStats("pydocs").tokens() - pydocsBefore;

            assertEquals(SameTokens.tokens(lead), SameTokens.tokens(gated), text);
            for (int t = 0; t < gated.size(); t++) {
                assertEquals(lead.get(t).logprob(), gated.get(t).logprob(), 1e-6f, "the lead's own distribution");
                // Every member decodes the prompt's last token; once the lead decided, the others skip.
                assertEquals(t == 0 ? List.of("kjv", "pydocs") : List.of("kjv"),
                        gated.get(t).members().stream().map(MemberStats::model).toList());
            }
            GateStats stats = generation.gate().orElseThrow();
            assertEquals(stats.tokens(), stats.leadTokens(), text);
            int prompt = engine.tokenize("always", text, true).length;
            assertEquals(prompt, pydocsDecoded, "pydocs decodes the prompt, nothing after");
        }
        assertEquals(1.0, engine.stats("always").gate().skippedShare());
        assertEquals(GateStats.NONE, engine.stats("experts").gate());
    }

    @Test
    void aSeededSampledRequestRepeats() throws InterruptedException {
        GenerationRequest request = GenerationRequest.of(Prompt.text("And the LORD spake"), TOKENS)
                .withSampling(Sampling.sampled(0.9, 7).withTopP(0.95)).withCachePrompt(false);
        Generation first = engine.submit("gated", request);
        Completion answer = first.await();
        assertEquals(answer.tokens(), engine.submit("gated", request).await().tokens());
        assertEquals(TOKENS, answer.tokens().size());
        assertTrue(first.gate().orElseThrow().tokens() == TOKENS, first.gate().toString());
    }

    @Test
    void aConstrainedRequestFusesEveryToken() throws InterruptedException {
        GenerationRequest request = greedy("And God said", 12)
                .withConstraint(Constraint.grammar("root ::= [a-z ]+ \".\""));
        Generation gated = engine.submit("always", request);
        List<GenerationEvent.Token> tokens = SameTokens.events(gated);
        SameTokens.assertSameUpToRounding(SameTokens.events(engine.submit("experts", request)), tokens, "constrained");
        assertTrue(gated.gate().isEmpty(), "no gate: the grammar may forbid the lead's sure token");
        assertEquals(2, tokens.getFirst().members().size());
    }

    @Test
    void aTraceListsTheMembersThatDecidedEachToken() throws InterruptedException {
        GenerationRequest request = greedy("And God said", 8).withTrace(3);
        List<GenerationEvent.Token> led = SameTokens.events(engine.submit("always", request));
        for (GenerationEvent.Token token : led.subList(1, led.size())) {
            assertEquals(List.of("kjv"), token.trace().orElseThrow().members().stream().map(StepTrace.Member::model)
                    .toList());
        }
        for (GenerationEvent.Token token : SameTokens.events(engine.submit("never", request))) {
            assertEquals(List.of("kjv", "pydocs"), token.trace().orElseThrow().members().stream()
                    .map(StepTrace.Member::model).toList());
        }
    }

    @Test
    void inBetweenTheShareIsReportedAndTheLaggingCacheIsConsistent() throws InterruptedException {
        long lead = 0;
        long tokens = 0;
        int differing = 0;
        for (String text : TestPrompts.MIXED.subList(0, 6)) {
            int[] prompt = engine.tokenize("gated", text, true);
            Generation first = engine.submit("gated", GenerationRequest.of(Prompt.tokens(prompt), 40)
                    .withSampling(Sampling.GREEDY.withTopLogprobs(5)));
            Completion answer = first.await();
            GateStats stats = first.gate().orElseThrow();
            lead += stats.leadTokens();
            tokens += stats.tokens();
            // Continue the answer: the slots cache prompt and answer, the lagging pydocs one only what it decoded.
            int[] continued = IntStream.concat(IntStream.of(prompt), answer.tokens().stream().mapToInt(t -> t))
                    .toArray();
            GenerationRequest next = GenerationRequest.of(Prompt.tokens(continued), 16)
                    .withSampling(Sampling.GREEDY.withTopLogprobs(5));
            Generation cached = engine.submit("gated", next);
            List<GenerationEvent.Token> reused = SameTokens.events(cached);
            assertTrue(cached.await().usage().cachedPromptTokens() > 0, text);
            List<GenerationEvent.Token> fresh = SameTokens.events(engine.submit("gated", next.withCachePrompt(false)));
            differing += SameTokens.assertSameUpToRounding(fresh, reused, "continued '" + text + "'") ? 1 : 0;
        }
        assertTrue(lead > 0 && lead < tokens, lead + " of " + tokens + " tokens decided by the lead alone");
        GateStats total = engine.stats("gated").gate();
        assertTrue(total.skippedShare() > 0 && total.skippedShare() < 1, total.toString());
        assertTrue(differing <= 1, differing + " continuations differ by rounding");
    }

    @Test
    void aCancelledGatedRequestLeavesItsSlotsConsistent() throws InterruptedException {
        GenerationRequest request = greedy("And the LORD spake unto Moses, saying", 200);
        Generation long1 = engine.submit("gated", request.withCachePrompt(true));
        long1.nextEvent();
        long1.cancel();
        assertEquals(FinishReason.CANCELLED, long1.await().reason());
        GenerationRequest shorter = greedy("And the LORD spake unto Moses, saying", 48);
        List<GenerationEvent.Token> reused = SameTokens.events(engine.submit("gated", shorter.withCachePrompt(true)));
        List<GenerationEvent.Token> fresh = SameTokens.events(engine.submit("gated", shorter));
        SameTokens.assertSameUpToRounding(fresh, reused, "after a cancelled request");
    }

    private static GenerationRequest greedy(String text, int tokens) {
        return GenerationRequest.of(Prompt.text(text), tokens).withSampling(Sampling.GREEDY.withTopLogprobs(5))
                .withCachePrompt(false);
    }
}
