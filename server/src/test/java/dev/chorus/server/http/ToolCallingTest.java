package dev.chorus.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionNamedToolChoice;
import com.openai.models.chat.completions.ChatCompletionToolChoiceOption;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tool calling against real models through openai-java (strict validation): a forced call comes back as
 * {@code tool_calls} whose arguments parse and match the function's schema, whole and streamed as deltas, and the
 * tool's result sent back yields a streamed text answer. The 13 M models would not choose a tool on their own, so
 * the calls are forced ({@code required} or a named function, or under {@code auto} by a logit bias on the opening
 * brace), which is what makes the checks deterministic.
 */
@Timeout(120)
class ToolCallingTest {
    private static final String CHAT = "/v1/chat/completions";
    private static ServedEngine served;
    private static OpenAIClient client;
    private static HttpProbe http;

    @BeforeAll
    static void start(@TempDir Path folder) {
        served = ToolFixture.serve(folder);
        client = served.openAiClient();
        http = new HttpProbe(served.server());
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (served != null) {
            served.close();
        }
    }

    @Test
    void aNamedCallIsReturnedAndItsResultYieldsAStreamedAnswer() {
        ChatCompletionCreateParams.Builder ask = ChatCompletionCreateParams.builder()
                .model("kjv")
                .addUserMessage("What is the weather in Jerusalem?")
                .addFunctionTool(weather())
                .addFunctionTool(time())
                .toolChoice(ChatCompletionNamedToolChoice.builder()
                        .function(ChatCompletionNamedToolChoice.Function.builder().name(ToolFixture.NAME).build())
                        .build())
                .parallelToolCalls(false)
                .temperature(0.0)
                .maxCompletionTokens(48);
        ChatCompletion called = client.chat().completions().create(ask.build()).validate();
        ChatCompletion.Choice choice = called.choices().getFirst();
        assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, choice.finishReason());
        assertTrue(choice.message().content().isEmpty());
        ChatCompletionMessageFunctionToolCall call = choice.message().toolCalls().orElseThrow().getFirst().asFunction();
        assertEquals(1, choice.message().toolCalls().get().size());
        assertTrue(call.id().startsWith("call_"), call.id());
        assertEquals(ToolFixture.NAME, call.function().name());
        ToolFixture.City city = ToolFixture.assertCityArguments(call.function().arguments());

        ChatCompletionCreateParams answer = ask
                .addMessage(choice.message())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(call.id())
                        .content(ToolFixture.forecast(city)).build())
                .toolChoice(ChatCompletionToolChoiceOption.Auto.AUTO)
                .maxCompletionTokens(6)
                .build();
        ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(answer)) {
            stream.stream().forEach(chunk -> accumulator.accumulate(chunk.validate()));
        }
        ChatCompletion.Choice text = accumulator.chatCompletion().validate().choices().getFirst();
        assertFalse(text.message().content().orElseThrow().isEmpty());
        assertTrue(text.message().toolCalls().isEmpty() || text.message().toolCalls().get().isEmpty());
    }

    @Test
    void aRequiredCallOfAnEnsembleStreamsAsToolCallDeltas() {
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder()
                .model("pair")
                .addUserMessage("Weather in Babylon?")
                .addFunctionTool(weather())
                .toolChoice(ChatCompletionToolChoiceOption.Auto.REQUIRED)
                .temperature(0.0)
                .maxCompletionTokens(96)
                .build();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            stream.stream().forEach(chunk -> {
                chunks.add(chunk.validate());
                accumulator.accumulate(chunk);
            });
        }
        List<ChatCompletionChunk.Choice.Delta.ToolCall> deltas = chunks.stream()
                .flatMap(chunk -> chunk.choices().stream())
                .flatMap(choice -> choice.delta().toolCalls().stream().flatMap(List::stream))
                .toList();
        ChatCompletionChunk.Choice.Delta.ToolCall opening = deltas.getFirst();
        assertTrue(opening.id().orElseThrow().startsWith("call_"));
        assertEquals(ToolFixture.NAME, opening.function().orElseThrow().name().orElseThrow());
        assertTrue(deltas.size() > 2, "the arguments come in pieces: " + deltas.size() + " deltas");

        ChatCompletion.Choice choice = accumulator.chatCompletion().validate().choices().getFirst();
        assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, choice.finishReason());
        List<ChatCompletionMessageFunctionToolCall> calls = choice.message().toolCalls().orElseThrow().stream()
                .map(call -> call.asFunction()).toList();
        assertFalse(calls.isEmpty());
        for (ChatCompletionMessageFunctionToolCall call : calls) {
            assertEquals(ToolFixture.NAME, call.function().name());
            ToolFixture.assertCityArguments(call.function().arguments());
        }
    }

    @Test
    void underAutoTextStreamsAsTextAndAnOpenedCallComesBackAsCalls() {
        ChatCompletionCreateParams.Builder ask = ChatCompletionCreateParams.builder()
                .model("pair")
                .addUserMessage("What is the weather in Nineveh?")
                .addFunctionTool(weather())
                .toolChoice(ChatCompletionToolChoiceOption.Auto.AUTO)
                .temperature(0.0)
                .maxCompletionTokens(12);
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(ask.build())) {
            stream.stream().forEach(chunk -> chunks.add(chunk.validate()));
        }
        List<String> pieces = chunks.stream().flatMap(chunk -> chunk.choices().stream())
                .flatMap(choice -> choice.delta().content().stream()).filter(piece -> !piece.isEmpty()).toList();
        assertTrue(pieces.size() > 1, "text streams as it is generated: " + pieces);
        assertTrue(chunks.stream().flatMap(chunk -> chunk.choices().stream())
                .allMatch(choice -> choice.delta().toolCalls().isEmpty()));

        // A biased opening brace makes the answer a call; the grammar holds it to the schema.
        JsonNode tokens = HttpProbe.json(http.post("/tokenize",
                "{\"model\": \"pair\", \"content\": \"{\", \"add_special\": false}").body()).get("tokens");
        assertEquals(1, tokens.size(), tokens.toString());
        int brace = tokens.get(0).asInt();
        ask.logitBias(ChatCompletionCreateParams.LogitBias.builder()
                .putAdditionalProperty(Integer.toString(brace), JsonValue.from(100)).build())
                .maxCompletionTokens(160);
        ChatCompletion.Choice whole = client.chat().completions().create(ask.build()).validate().choices().getFirst();
        assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, whole.finishReason(), whole.toString());
        ToolFixture.assertCityArguments(whole.message().toolCalls().orElseThrow().getFirst().asFunction().function().arguments());
        ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(ask.build())) {
            stream.stream().forEach(chunk -> accumulator.accumulate(chunk.validate()));
        }
        ChatCompletion.Choice streamed = accumulator.chatCompletion().validate().choices().getFirst();
        assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, streamed.finishReason());
        assertEquals(whole.message().toolCalls().get().getFirst().asFunction().function().arguments(),
                streamed.message().toolCalls().orElseThrow().getFirst().asFunction().function().arguments());
    }

    @Test
    void badToolRequestsAreRefusedNamingTheField() {
        String tools = """
                "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]""";
        HttpProbe.assertError(http.post(CHAT, """
                {"model": "kjv", "messages": [{"role": "user", "content": "hi"}], %s,
                 "tool_choice": {"type": "function", "function": {"name": "get_time"}}}""".formatted(tools)),
                400, "tool_choice", "invalid_value");
        HttpProbe.assertError(http.post(CHAT, """
                {"model": "kjv", "messages": [{"role": "user", "content": "hi"}], %s, "tool_choice": "always"}"""
                .formatted(tools)), 400, "tool_choice", "invalid_value");
        HttpProbe.assertError(http.post(CHAT, """
                {"model": "kjv", "messages": [{"role": "user", "content": "hi"}, {"role": "tool", "content": "18"}]}"""),
                400, "messages[1].tool_call_id", "missing_required_parameter");
        HttpProbe.assertError(http.post(CHAT, """
                {"model": "kjv", "messages": [{"role": "user", "content": "hi"},
                 {"role": "tool", "tool_call_id": "call_nobody", "content": "18"}]}"""),
                400, "messages[1].tool_call_id", "invalid_value");
        HttpProbe.assertError(http.post(CHAT, """
                {"model": "kjv", "messages": [{"role": "user", "content": "hi"}], %s, "tool_choice": "required",
                 "response_format": {"type": "json_object"}}""".formatted(tools)), 400, "tool_choice", "invalid_value");
    }

    private static FunctionDefinition weather() {
        return FunctionDefinition.builder()
                .name(ToolFixture.NAME)
                .description(ToolFixture.DESCRIPTION)
                .parameters(FunctionParameters.builder()
                        .putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of("city",
                                Map.of("type", "string", "enum", ToolFixture.cities()))))
                        .putAdditionalProperty("required", JsonValue.from(List.of("city")))
                        .putAdditionalProperty("additionalProperties", JsonValue.from(false))
                        .build())
                .build();
    }

    private static FunctionDefinition time() {
        return FunctionDefinition.builder().name("get_time").description("The time now").build();
    }
}
