package dev.chorus.engine;

import dev.chorus.engine.text.StopMatcher;
import dev.chorus.llama.ChatTemplate;
import dev.chorus.llama.Vocab;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a generation says: text deltas, stop strings, UTF-8 across tokens, log-probabilities, chat prompts. */
class TextOutputTest {
    private static Engine engine;

    @BeforeAll
    static void start(@TempDir Path folder) {
        engine = TestEngines.start(folder, "context: 128, slots: 2", """
                  vicuna: { path: {BASE}, threads: 1, context: 128, slots: 1, chat_template: vicuna }
                collaborations:
                  pair: { kind: ensemble, method: linear, members: [ {model: kjv}, {model: pydocs} ] }
                scheduler: { fusion_backend: java }
                """);
    }

    @AfterAll
    static void stop() {
        if (engine != null) {
            engine.close();
        }
    }

    @Test
    void aStopStringSplitAcrossTokensEndsTheTextBeforeIt() throws InterruptedException {
        GenerationRequest request = GenerationRequest.of(Prompt.text("And the LORD said unto"), 24);
        List<GenerationEvent.Token> tokens = tokenEvents(engine.submit("base", request));
        String full = tokens.stream().map(GenerationEvent.Token::text).reduce("", String::concat);
        // A stop string made of the end of one token's text and the start of the next one's.
        String stop = null;
        int boundary = 0;
        for (int k = 0; k + 1 < tokens.size() && stop == null; k++) {
            boundary += tokens.get(k).text().length();
            String left = tokens.get(k).text();
            String right = tokens.get(k + 1).text();
            if (k >= 2 && left.length() >= 2 && !right.isEmpty()) {
                String candidate = left.substring(left.length() - 2) + right.charAt(0);
                if (full.indexOf(candidate) == boundary - 2) {
                    stop = candidate;
                }
            }
        }
        assertTrue(stop != null, "some token boundary of " + full + " makes a stop string");

        Generation stopped = engine.submit("base", request.withStop(stop));
        String streamed = tokenEvents(stopped).stream().map(GenerationEvent.Token::text).reduce("", String::concat);
        Completion completion = stopped.await();
        assertEquals(FinishReason.STOP, completion.reason());
        assertEquals(full.substring(0, full.indexOf(stop)), completion.text());
        assertEquals(completion.text(), streamed, "no part of the stop string was streamed");
    }

    @Test
    void piecesOfOneCodePointAreHeldUntilItIsComplete() {
        Vocab vocab = engine.vocab("base");
        String text = "naïve café — ✓ 你好 🎵";
        int[] tokens = vocab.tokenize(text, false, false);
        TokenPieces pieces = new TokenPieces(vocab);
        boolean split = false;
        for (int token : tokens) {
            split |= new String(pieces.bytes(token), StandardCharsets.UTF_8).contains("\uFFFD");
        }
        assertTrue(split, "the text has byte-fallback tokens holding part of a code point");

        SequenceText sequence = new SequenceText(List.of());
        StringBuilder out = new StringBuilder();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int token : tokens) {
            StopMatcher.Outcome outcome = sequence.append(pieces.bytes(token));
            assertFalse(outcome.text().contains("\uFFFD"), "no replacement character for a held byte");
            out.append(outcome.text());
            bytes.writeBytes(pieces.bytes(token));
        }
        assertEquals(bytes.toString(StandardCharsets.UTF_8), out.toString());
        assertTrue(out.toString().contains("你好 🎵"), out.toString());
    }

    @Test
    void logprobsAndMemberStatisticsDescribeEachToken() throws InterruptedException {
        Sampling greedyWithTop = Sampling.GREEDY.withTopLogprobs(5);
        List<GenerationEvent.Token> tokens = tokenEvents(engine.submit("pair",
                GenerationRequest.of(Prompt.text("The function"), 6).withSampling(greedyWithTop)));
        assertEquals(6, tokens.size());
        for (GenerationEvent.Token token : tokens) {
            assertEquals(5, token.topLogprobs().size());
            assertEquals(token.token(), token.topLogprobs().getFirst().token(), "greedy picks the most likely");
            assertEquals(token.logprob(), token.topLogprobs().getFirst().logprob());
            assertTrue(token.logprob() <= 0 && token.logprob() > -20, "a log-probability: " + token.logprob());
            for (int j = 1; j < 5; j++) {
                assertTrue(token.topLogprobs().get(j).logprob() <= token.topLogprobs().get(j - 1).logprob());
            }
            assertEquals(List.of("kjv", "pydocs"), token.members().stream().map(MemberStats::model).toList());
            for (MemberStats member : token.members()) {
                assertTrue(member.entropy() > 0 && member.maxProbability() > 0 && member.maxProbability() <= 1,
                        member.toString());
            }
        }
    }

    @Test
    void aModelWithoutAChatTemplateGetsChatMl() throws InterruptedException {
        List<Message> chat = List.of(new Message("system", "Be brief."), new Message("user", "Hello"));
        Completion completion = engine.submit("base", GenerationRequest.of(Prompt.chat(chat), 3)).await();
        String rendered = "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n"
                + "<|im_start|>assistant\n";
        assertEquals(rendered, ChatTemplates.render(ChatTemplates.DEFAULT, chat));
        assertEquals(engine.vocab("base").tokenize(rendered, true, true).length, completion.usage().promptTokens());
        assertEquals(3, completion.usage().completionTokens());
    }

    @Test
    void aConfiguredChatTemplateReplacesTheDefault() throws InterruptedException {
        List<Message> chat = List.of(new Message("user", "Hello"));
        Completion completion = engine.submit("vicuna", GenerationRequest.of(Prompt.chat(chat), 2)).await();
        String rendered = ChatTemplates.render(ChatTemplate.named("vicuna"), chat);
        assertTrue(rendered.startsWith("USER: Hello"), rendered);
        assertEquals(engine.vocab("vicuna").tokenize(rendered, true, true).length, completion.usage().promptTokens());
    }

    private static List<GenerationEvent.Token> tokenEvents(Generation generation) throws InterruptedException {
        List<GenerationEvent.Token> tokens = new ArrayList<>();
        for (GenerationEvent event = generation.nextEvent(); event instanceof GenerationEvent.Token token;
             event = generation.nextEvent()) {
            tokens.add(token);
        }
        return tokens;
    }
}
