package dev.chorus.engine;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Continuous batching: batch-independent seeded sampling, slots, cancellation, admission bound, lengths. */
class SchedulingTest {
    private static final String[] PROMPTS = {
            "In the beginning", "The function returns", "And the LORD spake", "To install the package",
            "Blessed are they", "A list comprehension", "Thou shalt not", "The default value is"};
    /**
     * Tokens for a request that must still run when the test acts on it: seconds of decoding at any speed this model
     * reaches (it is cancelled long before), within the one-slot model's 2048-token context.
     */
    private static final int LONG = 2000;
    private static Engine engine;

    @BeforeAll
    static void start(@TempDir Path folder) {
        engine = TestEngines.start(folder, "context: 160, slots: 8", """
                  narrow: { path: {BASE}, threads: 1, context: 2048, slots: 1 }
                  tiny:   { path: {BASE}, threads: 1, context: 24, slots: 1 }
                collaborations:
                  pair: { kind: ensemble, method: linear, members: [ {model: kjv, weight: 0.5}, {model: pydocs, weight: 0.5} ] }
                scheduler: { max_queued: 1, prefill_chunk: 16, fusion_backend: java }
                """);
    }

    @AfterAll
    static void stop() {
        if (engine != null) {
            engine.close();
        }
    }

    /**
     * The RNG is keyed by seed, choice and step, never by slot or batch, so batched requests sample what they do alone
     * (up to rounding, {@link SameTokens}; a slot- or batch-keyed RNG would make every request differ).
     */
    @Test
    void eightConcurrentSeededRequestsSampleWhatTheyDoOneAfterAnother() throws InterruptedException {
        List<GenerationRequest> requests = new ArrayList<>();
        for (int i = 0; i < PROMPTS.length; i++) {
            Sampling sampling = Sampling.sampled(0.9, 1234 + i).withTopK(40).withTopP(0.95).withMinP(0.02)
                    .withRepeatPenalty(1.1).withTopLogprobs(20);
            requests.add(GenerationRequest.of(Prompt.text(PROMPTS[i]), 20).withSampling(sampling).withChoice(i));
        }
        List<List<GenerationEvent.Token>> oneByOne = new ArrayList<>();
        for (GenerationRequest request : requests) {
            oneByOne.add(SameTokens.events(engine.submit("pair", request)));
        }
        List<Generation> concurrent = requests.stream().map(request -> engine.submit("pair", request)).toList();
        int differing = 0;
        for (int i = 0; i < requests.size(); i++) {
            if (SameTokens.assertSameUpToRounding(oneByOne.get(i), SameTokens.events(concurrent.get(i)), "request " + i)) {
                differing++;
            }
        }
        assertTrue(differing <= 2, differing + " of 8 requests sampled differently in a batch: more than rounding");
    }

    @Test
    void theSameSeedWithAnotherChoiceIndexSamplesAnotherStream() throws InterruptedException {
        GenerationRequest request = GenerationRequest.of(Prompt.text(PROMPTS[0]), 16)
                .withSampling(Sampling.sampled(1.5, 99));
        assertTrue(!engine.submit("pair", request).await().tokens()
                .equals(engine.submit("pair", request.withChoice(1)).await().tokens()));
    }

    @Test
    void statsCountTheStepsTokensAndTimeOfAFinishedRequest() throws InterruptedException {
        SchedulerStats before = engine.stats("narrow");
        Completion completion = engine.submit("narrow", GenerationRequest.of(Prompt.text(PROMPTS[3]), 10)).await();
        SchedulerStats after = engine.stats("narrow");
        assertEquals(completion.usage().completionTokens(), after.tokens() - before.tokens());
        assertTrue(after.steps() - before.steps() >= completion.usage().completionTokens(), "a step per token at least");
        assertTrue(after.decodeNanos() > before.decodeNanos() && after.fusionNanos() > before.fusionNanos());
        assertEquals(0, after.active(), "the slot is free again");
        assertEquals(0, after.queued());
    }

    @Test
    void cancellingFreesTheSlotForTheNextRequest() throws InterruptedException {
        GenerationRequest probe = GenerationRequest.of(Prompt.text(PROMPTS[1]), 12);
        Completion fresh = engine.submit("narrow", probe).await();

        Generation running = engine.submit("narrow", GenerationRequest.of(Prompt.text(PROMPTS[2]), LONG));
        assertInstanceOf(GenerationEvent.Token.class, running.nextEvent());
        running.cancel();
        Completion cancelled = running.await();
        assertEquals(FinishReason.CANCELLED, cancelled.reason());
        assertTrue(cancelled.tokens().size() < LONG);

        Completion again = engine.submit("narrow", probe).await();
        assertEquals(fresh.tokens(), again.tokens(), "the one slot is reused, holding only the probe's cached prefix");
        assertEquals(fresh.text(), again.text());
    }

    @Test
    void aFullAdmissionQueueAnswersOverloaded() throws InterruptedException {
        Generation active = engine.submit("narrow", GenerationRequest.of(Prompt.text(PROMPTS[3]), LONG));
        // Admitted once it has a token: only then is the queue empty, whatever the step loop's timing.
        assertInstanceOf(GenerationEvent.Token.class, active.nextEvent());
        Generation queued = engine.submit("narrow", GenerationRequest.of(Prompt.text(PROMPTS[4]), LONG));
        OverloadedException refused = assertThrows(OverloadedException.class,
                () -> engine.submit("narrow", GenerationRequest.of(Prompt.text(PROMPTS[5]), 4)));
        assertTrue(refused.getMessage().contains("'narrow' is overloaded"), refused.getMessage());
        queued.cancel();
        assertEquals(FinishReason.CANCELLED, queued.await().reason(), "cancelled while waiting for the slot");
        assertEquals(0, queued.await().tokens().size());
        assertTrue(!active.isDone(), "the active request still runs");
        active.cancel();
        assertEquals(FinishReason.CANCELLED, active.await().reason());
        assertEquals(FinishReason.LENGTH,
                engine.submit("narrow", GenerationRequest.of(Prompt.text(PROMPTS[5]), 4)).await().reason());
    }

    @Test
    void maxTokensAndAFullContextEndWithLength() throws InterruptedException {
        Completion capped = engine.submit("base", GenerationRequest.of(Prompt.text(PROMPTS[6]), 5)).await();
        assertEquals(FinishReason.LENGTH, capped.reason());
        assertEquals(5, capped.usage().completionTokens());

        int[] prompt = engine.vocab("tiny").tokenize(PROMPTS[7], true, false);
        Completion full = engine.submit("tiny", GenerationRequest.of(Prompt.tokens(prompt), 100)).await();
        assertEquals(FinishReason.LENGTH, full.reason());
        assertEquals(24, full.usage().totalTokens(), "prompt and completion fill the slot's 24 tokens");
        assertThrows(IllegalArgumentException.class,
                () -> engine.submit("tiny", GenerationRequest.of(Prompt.tokens(new int[30]), 1)));
    }

    @Test
    void prefillLongerThanOneChunkGivesTheSameTokensAsTheReference() throws InterruptedException {
        int[] prompt = engine.vocab("base").tokenize(
                "And it came to pass, when the function returned the value of the default argument, that", true, false);
        assertTrue(prompt.length > 16, "spans several 16-token prefill chunks");
        Completion chunked = engine.submit("base", GenerationRequest.of(Prompt.tokens(prompt), 10)).await();
        assertEquals(ReferenceDecoding.greedy(List.of(SharedModels.path(SharedModels.BASE)),
                        dev.chorus.kernels.fusion.FusionRule.of(dev.chorus.kernels.fusion.FusionMethod.LINEAR, 1f),
                        prompt, 10), chunked.tokens());
    }

    @Test
    void aZeroWeightOverrideTurnsThePairIntoItsFirstMember() throws InterruptedException {
        GenerationRequest request = GenerationRequest.of(Prompt.text(PROMPTS[0]), 12);
        assertEquals(engine.submit("kjv", request).await().tokens(),
                engine.submit("pair", request.withFusion(FusionOverrides.NONE.withWeights(1f, 0f))).await().tokens());
        assertThrows(IllegalArgumentException.class,
                () -> engine.submit("pair", request.withFusion(FusionOverrides.NONE.withWeights(1f))));
    }

    @Test
    void eventsEndWithOneFinishedEventCarryingTheUsage() throws InterruptedException {
        Generation generation = engine.submit("base", GenerationRequest.of(Prompt.text(PROMPTS[0]), 6));
        StringBuilder text = new StringBuilder();
        int tokens = 0;
        GenerationEvent event = generation.nextEvent(Duration.ofSeconds(30)).orElseThrow();
        for (; event instanceof GenerationEvent.Token; event = generation.nextEvent(Duration.ofSeconds(30)).orElseThrow()) {
            text.append(event.text());
            tokens++;
        }
        GenerationEvent.Finished finished = assertInstanceOf(GenerationEvent.Finished.class, event);
        text.append(finished.text());
        Completion completion = generation.await();
        assertEquals(completion.text(), text.toString());
        assertEquals(completion.usage().completionTokens(), tokens);
        assertEquals(finished, generation.nextEvent(), "the end replays");
    }
}
