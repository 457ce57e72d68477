package dev.chorus.engine.orchestration;

import dev.chorus.engine.Engine;
import dev.chorus.engine.Generation;
import dev.chorus.engine.GenerationEvent;
import dev.chorus.engine.GenerationRequest;
import dev.chorus.engine.MemberReport;
import dev.chorus.engine.Message;
import dev.chorus.engine.Prompt;
import dev.chorus.engine.Sampling;
import dev.chorus.engine.TokenLogprob;
import dev.chorus.engine.config.ConfigException;
import dev.chorus.llama.Vocab;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A router sends each request to one member, whose answer is token for token that member's own. */
class RouterTest {
    private static final int TOKENS = 12;
    private static Engine engine;

    @BeforeAll
    static void start(@TempDir Path folder) {
        engine = OrchestrationEngines.start(folder, """
                collaborations:
                  by-rule:
                    kind: router
                    members: [base, kjv, pydocs]
                    default: base
                    rules:
                      - { member: pydocs, keywords: [Python, "import "] }
                      - { member: kjv, pattern: "(?i)\\\\b(lord|god)\\\\b" }
                      - { member: kjv, max_max_tokens: 3 }
                  by-judge:
                    kind: router
                    members: [kjv, pydocs]
                    default: kjv
                    judge: base
                    labels: { kjv: scripture, pydocs: python }
                """);
    }

    @AfterAll
    static void stop() {
        if (engine != null) {
            engine.close();
        }
    }

    @Test
    void aMatchingRuleSendsThePromptToItsMemberWithTheSameTokensAsCallingItDirectly() throws InterruptedException {
        assertRoutedTo("pydocs", Prompt.text("How do I import a module in python?"), TOKENS);
        assertRoutedTo("kjv", Prompt.chat(List.of(new Message("system", "You know Python."),
                new Message("user", "And God said"))), TOKENS);
        assertRoutedTo("base", Prompt.text("The weather today is"), TOKENS);
        assertRoutedTo("kjv", Prompt.text("The weather today is"), 3);
    }

    @Test
    void rulesReadOnlyTheLastUserMessage() throws InterruptedException {
        assertRoutedTo("base", Prompt.chat(List.of(new Message("user", "Tell me about Python"),
                new Message("assistant", "Python is a language."), new Message("user", "Thank you"))),
                TOKENS);
    }

    /**
     * The labels are two words the judge finds likely after the prompt (the tiny models follow no instructions),
     * named in both orders: the better-scored label's member answers each time.
     */
    @Test
    void aJudgeRoutesToTheLabelWhoseFirstTokenItFindsMostLikely(@TempDir Path folder) throws InterruptedException {
        String question = "How do I open a file?";
        List<String> words = likelyWords("Question: " + question + "\nAnswer:");
        String better = words.get(0);
        String worse = words.get(1);
        try (Engine judged = OrchestrationEngines.start(folder, """
                collaborations:
                  first-better:  { kind: router, members: [kjv, pydocs], default: kjv, judge: base,
                                   labels: { kjv: %s, pydocs: %s }, judge_prompt: "Question: {query}\\nAnswer:" }
                  second-better: { kind: router, members: [kjv, pydocs], default: kjv, judge: base,
                                   labels: { kjv: %s, pydocs: %s }, judge_prompt: "Question: {query}\\nAnswer:" }
                """.formatted(better, worse, worse, better))) {
            GenerationRequest request = GenerationRequest.of(Prompt.text(question), TOKENS).withCachePrompt(false);
            assertJudged(judged, "first-better", request, "kjv");
            assertJudged(judged, "second-better", request, "pydocs");
        }
    }

    @Test
    void judgeLabelsThatStartWithTheSameTokenAreRefusedAtTheRoutersLine(@TempDir Path folder) {
        ConfigException error = assertThrows(ConfigException.class, () -> OrchestrationEngines.start(folder, """
                collaborations:
                  same-start: { kind: router, members: [kjv, pydocs], default: kjv, judge: base,
                                labels: { kjv: python, pydocs: pythonic } }
                """).close());
        assertTrue(error.getMessage().contains("labels 'python' and 'pythonic' start with the same token"),
                error.getMessage());
        assertEquals(7, error.line(), error.getMessage());
    }

    private static void assertJudged(Engine judged, String router, GenerationRequest request, String expected)
            throws InterruptedException {
        OrchestrationEngines.Finished routed = OrchestrationEngines.run(judged, router, request);
        List<MemberReport> reports = routed.reports();
        assertEquals(List.of("base", expected), reports.stream().map(MemberReport::member).toList());
        assertEquals(List.of("judge", "routed"), reports.stream().map(MemberReport::role).toList());
        assertEquals(judged.submit(expected, request).await().tokens(), routed.completion().tokens());
        assertEquals(1, reports.getFirst().usage().completionTokens(), "the judge decodes one token");
    }

    /** Two whole words among the base model's most likely first tokens after {@code prompt}, most likely first. */
    private static List<String> likelyWords(String prompt) throws InterruptedException {
        GenerationRequest request = GenerationRequest.of(Prompt.text(prompt), 1)
                .withSampling(Sampling.GREEDY.withTopLogprobs(Sampling.MAX_TOP_LOGPROBS));
        Generation generation = engine.submit("base", request);
        GenerationEvent.Token token = (GenerationEvent.Token) generation.nextEvent();
        generation.await();
        Vocab vocab = engine.vocab("base");
        List<String> words = token.topLogprobs().stream().map(TokenLogprob::token).map(vocab::tokenToPiece)
                .filter(piece -> piece.matches("^[ \u2581][A-Za-z]{2,}$")).map(piece -> piece.substring(1))
                .limit(2).toList();
        assertEquals(2, words.size(), "two word pieces among " + token.topLogprobs());
        return words;
    }

    private static void assertRoutedTo(String member, Prompt prompt, int maxTokens) throws InterruptedException {
        GenerationRequest request = GenerationRequest.of(prompt, maxTokens).withCachePrompt(false);
        OrchestrationEngines.Finished routed = OrchestrationEngines.run(engine, "by-rule", request);
        OrchestrationEngines.Finished direct = OrchestrationEngines.run(engine, member, request);
        assertEquals(direct.completion().tokens(), routed.completion().tokens());
        assertEquals(direct.completion().text(), routed.completion().text());
        // The direct call left its prompt cached for the routed one, so only the cached count may differ.
        assertEquals(direct.completion().usage().promptTokens(), routed.completion().usage().promptTokens(),
                "one call: the member's usage");
        assertEquals(direct.completion().usage().completionTokens(), routed.completion().usage().completionTokens());
        MemberReport report = routed.reports().getFirst();
        assertEquals(List.of(member), routed.reports().stream().map(MemberReport::member).toList());
        assertEquals("routed", report.role());
        assertTrue(report.answered());
        assertTrue(report.meanLogprob() <= 0 && Double.isFinite(report.meanLogprob()), "" + report);
    }
}
