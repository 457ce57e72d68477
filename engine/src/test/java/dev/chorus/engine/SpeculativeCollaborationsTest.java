package dev.chorus.engine;

import dev.chorus.testkit.RealModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The speculative ensemble on the real models: every logit-level collaboration of {@code examples/chorus.yaml}
 * (linear and log-linear ensembles of the experts, contrastive, proxy), each drafted by a Q8_0 copy of one of its
 * members, decodes 20 prompts greedily to the same tokens as the same collaboration with {@code speculative: false}.
 * Where the two differ, the first difference must be a near-tie of the plain run's fused distribution (its top two
 * log-probs within {@link #NEAR_TIE} nats: batched decode rounds differently from one-token decode), and such
 * near-ties must be rare. Sampled speculation of the multi-member kinds is reproducible per seed and accepts as its
 * draft's closeness says (exactness in distribution is the kernels' chi-square test of step 9).
 */
class SpeculativeCollaborationsTest {
    private static final int TOKENS = 24;
    private static final float NEAR_TIE = 1e-3f;
    /** Of 20 prompts per collaboration; a wrong verification would differ on most of them. */
    private static final int MAX_NEAR_TIES = 2;
    private static Engine engine;

    @BeforeAll
    static void start(@TempDir Path folder) {
        SharedModels.located();
        RealModels quantised = SharedModels.quantised();
        engine = TestEngines.start(folder, "context: 256, slots: 2", """
                  kjv8:    { path: %s, threads: 1, context: 256, slots: 2 }
                  pydocs8: { path: %s, threads: 1, context: 256, slots: 2 }
                collaborations:
                  experts:
                    kind: ensemble
                    method: linear
                    members: [ { model: kjv, weight: 0.5 }, { model: pydocs, weight: 0.5 } ]
                    draft: kjv8
                    draft_tokens: 6
                  experts-poe:
                    kind: ensemble
                    method: log_linear
                    members: [ { model: kjv, weight: 0.5 }, { model: pydocs, weight: 0.5 } ]
                    draft: pydocs8
                    draft_tokens: 6
                  kjv-contrast: { kind: contrastive, expert: kjv, amateur: base, lambda: 0.5, alpha: 0.1, draft: kjv8 }
                  pydocs-proxy: { kind: proxy, base: base, expert: pydocs, anti_expert: base, strength: 1.0,
                                  draft: pydocs8 }
                scheduler: { fusion_backend: java }
                """.formatted(quantised.path(RealModels.KJV), quantised.path(RealModels.PYDOCS)));
    }

    @AfterAll
    static void stop() {
        if (engine != null) {
            engine.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"experts", "experts-poe", "kjv-contrast", "pydocs-proxy"})
    void greedyOutputIsThePlainCollaborations(String collaboration) throws InterruptedException {
        SpeculationStats before = engine.speculationStats(collaboration);
        int nearTies = 0;
        long accepted = 0;
        for (String text : TestPrompts.MIXED) {
            GenerationRequest request = GenerationRequest.of(Prompt.text(text), TOKENS)
                    .withSampling(Sampling.GREEDY.withTopLogprobs(2)).withCachePrompt(false);
            Generation plainRun = engine.submit(collaboration, request.withSpeculative(false));
            List<GenerationEvent.Token> plain = SameTokens.events(plainRun);
            Generation speculatedRun = engine.submit(collaboration, request);
            List<GenerationEvent.Token> speculated = SameTokens.events(speculatedRun);
            nearTies += firstDifferenceIsANearTie(plain, speculated, collaboration + " '" + text + "'") ? 1 : 0;
            assertTrue(plainRun.speculation().isEmpty(), "an opted-out answer reports no speculation");
            SpeculationStats own = speculatedRun.speculation().orElseThrow();
            assertTrue(own.acceptedTokens() <= own.proposedTokens() && own.verifications() > 0, own.toString());
            accepted += own.acceptedTokens();
        }
        assertTrue(nearTies <= MAX_NEAR_TIES, collaboration + ": " + nearTies + " of " + TestPrompts.MIXED.size()
                + " prompts differ at a near-tie: not rare");
        SpeculationStats after = engine.speculationStats(collaboration);
        assertEquals(accepted, after.acceptedTokens() - before.acceptedTokens(),
                "the answers' counts add up to the collaboration's");
        assertTrue(accepted > 0, collaboration + ": the draft never helped");
        System.out.printf("%s: %d near-ties of %d prompts; acceptance %.3f, mean accepted length %.2f%n",
                collaboration, nearTies, TestPrompts.MIXED.size(), after.acceptanceRate(), after.meanAcceptedLength());
    }

    @Test
    void sampledSpeculationOfAnEnsembleIsReproducible() throws InterruptedException {
        GenerationRequest request = GenerationRequest.of(Prompt.text("And the LORD spake"), TOKENS)
                .withSampling(Sampling.sampled(0.9, 7).withTopK(40).withTopP(0.95)).withCachePrompt(false);
        for (String collaboration : List.of("experts", "kjv-contrast")) {
            Generation first = engine.submit(collaboration, request);
            Completion completion = first.await();
            assertEquals(TOKENS, completion.tokens().size(), completion.toString());
            assertEquals(completion.tokens(), engine.submit(collaboration, request).await().tokens(), collaboration);
            SpeculationStats own = first.speculation().orElseThrow();
            // kjv's Q8_0 copy is far from either collaboration: sampled verification rejects some of its proposals.
            assertTrue(own.verifications() > 0 && own.acceptanceRate() < 0.95, collaboration + ": " + own);
        }
    }

    /**
     * The draft rows of a multi-member step rebuild the draft's own distribution: sampled proposals of a draft that
     * nearly is the collaboration (pydocs' Q8_0 copy for a proxy whose logits are pydocs' own) are accepted with
     * probability Σ min(P, Q), close to 1; a draft row staged from anything else (a member's logits, another
     * position's) would reject far more.
     */
    @Test
    void sampledProposalsOfADraftThatIsTheCollaborationAreAccepted() throws InterruptedException {
        SpeculationStats before = engine.speculationStats("pydocs-proxy");
        for (int seed = 0; seed < 4; seed++) {
            GenerationRequest request = GenerationRequest.of(Prompt.text(TestPrompts.MIXED.get(seed)), TOKENS)
                    .withSampling(Sampling.sampled(1.0, seed)).withCachePrompt(false);
            assertEquals(TOKENS, engine.submit("pydocs-proxy", request).await().tokens().size());
        }
        SpeculationStats after = engine.speculationStats("pydocs-proxy");
        double rate = (double) (after.acceptedTokens() - before.acceptedTokens())
                / (after.proposedTokens() - before.proposedTokens());
        System.out.printf("pydocs-proxy sampled: acceptance %.3f%n", rate);
        assertTrue(rate > 0.9, "sampled acceptance " + rate);
    }

    @Test
    void anOptedOutRequestLeavesItsPromptCachedInTheDraftsSlotToo() throws InterruptedException {
        GenerationRequest request = GenerationRequest.of(Prompt.text("And it came to pass in those days, that"), 4)
                .withSpeculative(false);
        engine.submit("experts", request).await();
        Completion again = engine.submit("experts", request.withSpeculative(true)).await();
        assertTrue(again.usage().cachedPromptTokens() > 0, again.usage().toString());
    }

    /**
     * Asserts that the runs agree, or that they first differ where the plain run's top two fused log-probs are
     * within {@link #NEAR_TIE} and the speculated run took the other of the two.
     *
     * @return whether they differ at all
     */
    private static boolean firstDifferenceIsANearTie(List<GenerationEvent.Token> plain,
                                                     List<GenerationEvent.Token> speculated, String what) {
        int step = 0;
        while (step < Math.min(plain.size(), speculated.size())
                && plain.get(step).token() == speculated.get(step).token()) {
            step++;
        }
        if (step == plain.size() && step == speculated.size()) {
            return false;
        }
        assertTrue(step < plain.size() && step < speculated.size(), what + ": one run ended early, at token " + step);
        List<TokenLogprob> top = plain.get(step).topLogprobs();
        float gap = top.get(0).logprob() - top.get(1).logprob();
        assertTrue(gap <= NEAR_TIE, what + ", token " + step + ": plain " + plain.get(step).token() + ", speculated "
                + speculated.get(step).token() + ", but the plain run's top two are " + gap + " nats apart: " + top);
        assertEquals(top.get(1).token(), speculated.get(step).token(), what + ", token " + step
                + ": the speculated run took a token outside the tie " + top);
        return true;
    }
}
