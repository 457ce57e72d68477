package dev.chorus.engine.orchestration;

import dev.chorus.engine.Engine;
import dev.chorus.engine.FusionOverrides;
import dev.chorus.engine.GenerationRequest;
import dev.chorus.engine.MemberReport;
import dev.chorus.engine.Message;
import dev.chorus.engine.Prompt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The aggregator receives exactly the proposers' texts: its answer is, token for token, the aggregator called
 * directly on the documented aggregation prompt written out here with the proposers' own answers.
 */
class MixtureOfAgentsTest {
    private static final int TOKENS = 8;
    private static final String INSTRUCTIONS = "You have been provided with a set of responses from various models to"
            + " the latest user query. Your task is to synthesize these responses into a single, high-quality"
            + " response. Critically evaluate the information provided in these responses, recognizing that some of"
            + " it may be biased or incorrect. Do not simply replicate the given answers; offer a refined, accurate"
            + " and comprehensive reply.\n\nResponses from models:";
    private static Engine engine;

    @BeforeAll
    static void start(@TempDir Path folder) {
        engine = OrchestrationEngines.start(folder, """
                collaborations:
                  mix:     { kind: moa, proposers: [kjv, pydocs], aggregator: base }
                  deep:    { kind: moa, proposers: [kjv, pydocs], aggregator: base, layers: 2 }
                """);
    }

    @AfterAll
    static void stop() {
        if (engine != null) {
            engine.close();
        }
    }

    @Test
    void theAggregatorReceivesExactlyTheProposersTexts() throws InterruptedException {
        String question = "What is a list?";
        // Prefilled afresh every time: a prompt reused from the cache may round differently (docs/runtime.md).
        GenerationRequest request = GenerationRequest.of(Prompt.text(question), TOKENS).withCachePrompt(false);
        String kjv = engine.submit("kjv", request).await().text();
        String pydocs = engine.submit("pydocs", request).await().text();
        assertNotEquals(kjv, pydocs);
        String rendered = INSTRUCTIONS + "\n\n1. " + kjv + "\n\n2. " + pydocs + "\n\n" + question;

        OrchestrationEngines.Finished mixed = OrchestrationEngines.run(engine, "mix", request);
        assertEquals(engine.submit("base", request.withPrompt(Prompt.text(rendered))).await().tokens(),
                mixed.completion().tokens());
        assertNotEquals(engine.submit("base", request.withPrompt(Prompt.text(
                        INSTRUCTIONS + "\n\n1. " + pydocs + "\n\n2. " + kjv + "\n\n" + question))).await().tokens(),
                mixed.completion().tokens(), "the order of the proposals matters to the aggregator");
        assertEquals(List.of("kjv", "pydocs", "base"), mixed.reports().stream().map(MemberReport::member).toList());
        assertEquals(List.of("proposer", "proposer", "aggregator"),
                mixed.reports().stream().map(MemberReport::role).toList());
    }

    @Test
    void aChatGetsTheProposalsAsAFirstSystemMessage() throws InterruptedException {
        List<Message> chat = List.of(new Message("user", "Explain the loop"));
        GenerationRequest request = GenerationRequest.of(Prompt.chat(chat), TOKENS);
        String kjv = engine.submit("kjv", request).await().text();
        String pydocs = engine.submit("pydocs", request).await().text();
        Prompt rendered = Prompt.chat(List.of(new Message("system", INSTRUCTIONS + "\n\n1. " + kjv + "\n\n2. "
                + pydocs), chat.getFirst()));
        assertEquals(engine.submit("base", request.withPrompt(rendered)).await().tokens(),
                OrchestrationEngines.run(engine, "mix", request).completion().tokens());
    }

    @Test
    void eachLayerProposesFromThePreviousLayersProposals() throws InterruptedException {
        String question = "In the beginning";
        GenerationRequest request = GenerationRequest.of(Prompt.text(question), TOKENS);
        OrchestrationEngines.Finished deep = OrchestrationEngines.run(engine, "deep", request);
        assertEquals(List.of("kjv", "pydocs", "kjv", "pydocs", "base"),
                deep.reports().stream().map(MemberReport::member).toList());
        String layerOne = INSTRUCTIONS + "\n\n1. " + engine.submit("kjv", request).await().text() + "\n\n2. "
                + engine.submit("pydocs", request).await().text() + "\n\n" + question;
        GenerationRequest second = request.withPrompt(Prompt.text(layerOne));
        String layerTwo = INSTRUCTIONS + "\n\n1. " + engine.submit("kjv", second).await().text() + "\n\n2. "
                + engine.submit("pydocs", second).await().text() + "\n\n" + question;
        assertEquals(engine.submit("base", request.withPrompt(Prompt.text(layerTwo))).await().tokens(),
                deep.completion().tokens());
    }

    @Test
    void tokenPromptsAndFusionOverridesAreRefusedBeforeAnyMemberIsCalled() {
        IllegalArgumentException tokens = assertThrows(IllegalArgumentException.class,
                () -> engine.submit("mix", GenerationRequest.of(Prompt.tokens(1, 450, 3245), TOKENS)));
        assertTrue(tokens.getMessage().contains("a mixture of agents rewrites prompts and needs a text or chat prompt"),
                tokens.getMessage());
        IllegalArgumentException fusion = assertThrows(IllegalArgumentException.class,
                () -> engine.submit("mix", GenerationRequest.of(Prompt.text("x"), TOKENS)
                        .withFusion(FusionOverrides.NONE.withWeights(1f, 1f))));
        assertTrue(fusion.getMessage().contains("'mix' is a moa; fusion overrides"), fusion.getMessage());
    }
}
