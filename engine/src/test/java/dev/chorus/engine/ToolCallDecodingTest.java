package dev.chorus.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chorus.engine.tools.Tool;
import dev.chorus.engine.tools.ToolCall;
import dev.chorus.engine.tools.ToolCalling;
import dev.chorus.engine.tools.ToolChoice;
import dev.chorus.engine.tools.ToolTranscript;
import dev.chorus.kernels.fusion.FusionMethod;
import dev.chorus.kernels.fusion.FusionRule;
import dev.chorus.llama.Vocab;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Forced tool calls on the real models, a single one and a fused ensemble: sampled with several seeds, every answer
 * is a call (or a list of calls) of the offered functions whose arguments match their schema; and the history
 * format of calls and results.
 */
class ToolCallDecodingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> BOOKS = Set.of("Genesis", "Exodus", "Psalms");
    private static Engine engine;
    private static List<Tool> tools;

    @BeforeAll
    static void start(@TempDir Path folder) throws Exception {
        engine = TestEngines.start(folder, "context: 512, slots: 2", """
                collaborations:
                  linear: { kind: ensemble, members: [ {model: kjv, weight: 0.5}, {model: pydocs, weight: 0.5} ] }
                scheduler: { fusion_backend: java }
                """);
        tools = List.of(
                Tool.of("tools[0]", "find_verse", Optional.of("Finds a verse"), Optional.of(JSON.readTree("""
                        {"type": "object", "properties": {"book": {"enum": ["Genesis", "Exodus", "Psalms"]},
                         "chapter": {"type": "integer", "minimum": 0}},
                         "required": ["book", "chapter"], "additionalProperties": false}"""))),
                Tool.of("tools[1]", "now", Optional.empty(), Optional.empty()));
    }

    @AfterAll
    static void stop() {
        if (engine != null) {
            engine.close();
        }
    }

    @Test
    void everySampledForcedAnswerIsAValidCall() throws Exception {
        ToolCalling parallel = new ToolCalling(tools, ToolChoice.REQUIRED, true);
        ToolCalling named = new ToolCalling(tools, ToolChoice.named("find_verse"), false);
        for (String collaboration : List.of("kjv", "linear")) {
            for (int seed = 1; seed <= 4; seed++) {
                ToolCalling calling = seed % 2 == 0 ? parallel : named;
                Completion completion = generate(collaboration, calling, Sampling.sampled(1f, seed));
                String where = collaboration + " seed " + seed + ": " + completion.text();
                assertEquals(FinishReason.STOP, completion.reason(), where);
                List<ToolCall> calls = calling.parse(completion.text(), new Random(seed)).orElseThrow();
                assertFalse(calls.isEmpty(), where);
                assertTrue(calling.parallel() || !JSON.readTree(completion.text()).isArray(), where);
                assertFalse(completion.text().contains("\n"), "a call is laid out compactly: " + where);
                for (ToolCall call : calls) {
                    assertTrue(call.id().matches("call_[A-Za-z0-9]{24}"), call.id());
                    JsonNode arguments = JSON.readTree(call.arguments());
                    if (call.name().equals("find_verse")) {
                        assertTrue(BOOKS.contains(arguments.get("book").asText()), where);
                        JsonNode chapter = arguments.get("chapter");
                        assertTrue(chapter.isIntegralNumber() && chapter.bigIntegerValue().signum() >= 0, where);
                    } else {
                        assertEquals("now", call.name(), where);
                        assertTrue(arguments.isObject() && arguments.isEmpty(), "no parameters, no arguments: " + where);
                        assertFalse(calling == named, where);
                    }
                }
            }
        }
    }

    @Test
    void anAutoAnswerIsTextOrACallThatParses() throws Exception {
        ToolCalling auto = new ToolCalling(tools, ToolChoice.AUTO, false);
        int brace = engine.vocab("kjv").tokenize("{", false, false)[0];
        for (String collaboration : List.of("kjv", "linear")) {
            for (int seed = 1; seed <= 3; seed++) {
                Completion text = generate(collaboration, auto, Sampling.sampled(1f, seed), Map.of());
                String where = collaboration + " seed " + seed + ": " + text.text();
                assertEquals(ToolCalling.AnswerStart.TEXT, auto.start(text.text()), where);
                assertTrue(auto.parse(text.text(), new Random(seed)).isEmpty(), where);
                // A biased opening brace starts a call, which the grammar then holds to the schema to its end.
                Completion call = generate(collaboration, auto, Sampling.sampled(1f, seed), Map.of(brace, 30f));
                where = collaboration + " seed " + seed + ": " + call.text();
                assertEquals(ToolCalling.AnswerStart.CALLS, auto.start(call.text()), where);
                assertEquals(FinishReason.STOP, call.reason(), where);
                assertEquals(1, auto.parse(call.text(), new Random(seed)).orElseThrow().size(), where);
            }
        }
    }

    @Test
    void underAutoAnOpenedCallCannotEndBeforeItIsComplete() {
        Vocab vocab = engine.vocab("kjv");
        try (ConstraintState state = autoState(true, vocab)) {
            assertEquals(0f, state.nextBias()[vocab.eos().getAsInt()], "an empty answer is text");
            for (int token : vocab.tokenize(" [{\"name\": \"now\"", false, false)) {
                assertEquals(0f, state.nextBias()[token], "token " + token);
                state.accept(token);
            }
            assertEquals(Float.NEGATIVE_INFINITY, state.nextBias()[vocab.eos().getAsInt()], "the call is open");
        }
        try (ConstraintState state = autoState(false, vocab)) {
            for (int token : vocab.tokenize("In the beginning {", false, false)) {
                assertEquals(0f, state.nextBias()[token], "text may hold any character after its first");
                state.accept(token);
            }
            assertEquals(0f, state.nextBias()[vocab.eos().getAsInt()], "text may end anywhere");
        }
    }

    @Test
    void theHistoryRendersCallsAndResultsAsPlainTurns() {
        ToolTranscript transcript = new ToolTranscript();
        transcript.message("user", "Find Genesis 1");
        transcript.assistantCalls("", List.of(new ToolCall("call_1", "find_verse", "{\"book\":\"Genesis\",\"chapter\":1}")));
        transcript.toolResult("messages[2]", "call_1", "In the beginning");
        List<Message> messages = new ToolCalling(tools, ToolChoice.AUTO, false).prompt(transcript.messages());
        assertEquals(List.of("system", "user", "assistant", "user"), messages.stream().map(Message::role).toList());
        assertTrue(messages.getFirst().content().contains("{\"name\":\"find_verse\",\"description\":\"Finds a verse\""));
        assertTrue(messages.getFirst().content().contains("Otherwise answer in plain text."));
        assertEquals("{\"name\":\"find_verse\",\"arguments\":{\"book\":\"Genesis\",\"chapter\":1}}",
                messages.get(2).content());
        assertEquals("Result of find_verse (call_1):\nIn the beginning", messages.get(3).content());
        InvalidRequest stray = assertThrows(InvalidRequest.class,
                () -> transcript.toolResult("messages[3]", "call_2", "x"));
        assertEquals("messages[3].tool_call_id", stray.param());
        InvalidRequest unknown = assertThrows(InvalidRequest.class,
                () -> new ToolCalling(tools, ToolChoice.named("nowhere"), true));
        assertEquals("tool_choice", unknown.param());
    }

    /** The grammar state of an {@code auto} answer, masking the whole vocabulary each step. */
    private static ConstraintState autoState(boolean parallel, Vocab vocab) {
        Constraint auto = Constraint.grammar(new ToolCalling(tools, ToolChoice.AUTO, parallel).grammar().orElseThrow());
        return ConstraintState.open(GenerationRequest.of(Prompt.text("x"), 1).withConstraint(auto),
                FusionRule.of(FusionMethod.LINEAR, 1f), vocab);
    }

    private static Completion generate(String collaboration, ToolCalling calling, Sampling sampling)
            throws InterruptedException {
        return generate(collaboration, calling, sampling, Map.of());
    }

    private static Completion generate(String collaboration, ToolCalling calling, Sampling sampling,
                                       Map<Integer, Float> logitBias) throws InterruptedException {
        Prompt prompt = Prompt.chat(calling.prompt(List.of(new Message("user", "Where does the Bible begin?"))));
        Constraint constraint = Constraint.grammar(calling.grammar().orElseThrow()).withLogitBias(logitBias);
        return engine.submit(collaboration, GenerationRequest.of(prompt, 256).withSampling(sampling)
                .withConstraint(constraint)).await();
    }
}
