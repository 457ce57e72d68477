package dev.chorus.server.http;

import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ToolChoice;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonRawSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.CompleteToolCall;
import dev.langchain4j.model.chat.response.PartialToolCall;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.TokenStream;
import dev.langchain4j.service.tool.ToolExecution;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tool calling against real models through LangChain4j's OpenAI chat models: the model's call comes back with an id,
 * the tool's name and arguments that match its schema, the test runs the tool and sends its result back, and the
 * final answer streams. Once through the chat-model API ({@link StreamingChatResponseHandler}), once through an
 * {@link AiServices} interface with a {@link Tool} method. The 13 M models would not choose a tool on their own, so
 * the call is forced with {@code tool_choice: "required"}, which Chorus constrains to the schema. The requests carry
 * what LangChain4j sends beside the tools: {@code stream_options}, {@code parallel_tool_calls}, {@code strict},
 * {@code user}, and assistant {@code tool_calls} with {@code content: null} in the history.
 */
@Timeout(180)
class LangChain4jToolsTest {
    private static final int CALL_TOKENS = 48;
    private static final int ANSWER_TOKENS = 6;
    /** The grammar lets a call spread over lines and indents, and with parallel calls it is an array: room for it. */
    private static final int SERVICE_CALL_TOKENS = 160;
    /** How a text answer may end: its own stop, or the token budget. */
    private static final Set<FinishReason> TEXT_ENDS = Set.of(FinishReason.STOP, FinishReason.LENGTH);
    private static ServedEngine served;

    @BeforeAll
    static void start(@TempDir Path folder) {
        served = ToolFixture.serve(folder);
    }

    @AfterAll
    static void stop() {
        if (served != null) {
            served.close();
        }
    }

    @Test
    void aForcedCallStreamsAsDeltasAndItsResultYieldsAStreamedAnswer() throws Exception {
        StreamingChatModel model = streaming("kjv").parallelToolCalls(false).user("langchain4j-test").build();
        UserMessage question = UserMessage.from("What is the weather in Jerusalem?");
        ChatRequest ask = ChatRequest.builder()
                .messages(question)
                .toolSpecifications(weather())
                .toolChoice(ToolChoice.REQUIRED)
                .maxOutputTokens(CALL_TOKENS)
                .build();
        Streamed called = Streamed.of(model, ask);
        assertEquals(FinishReason.TOOL_EXECUTION, called.response().finishReason());
        assertTrue(called.texts().isEmpty(), "a call has no text: " + called.texts());
        AiMessage calling = called.response().aiMessage();
        assertEquals(1, calling.toolExecutionRequests().size(), calling.toString());
        ToolExecutionRequest call = calling.toolExecutionRequests().getFirst();
        assertTrue(call.id().startsWith("call_"), call.id());
        assertEquals(ToolFixture.NAME, call.name());
        ToolFixture.City city = ToolFixture.assertCityArguments(call.arguments());
        // The deltas: id and name once, then the arguments in pieces that add up to the whole.
        assertTrue(called.toolDeltas().size() > 1, "the arguments come in pieces: " + called.toolDeltas());
        for (PartialToolCall delta : called.toolDeltas()) {
            assertEquals(0, delta.index());
            assertEquals(call.id(), delta.id());
            assertEquals(ToolFixture.NAME, delta.name());
        }
        assertEquals(call.arguments(), called.toolDeltas().stream().map(PartialToolCall::partialArguments)
                .collect(Collectors.joining()));
        assertEquals(List.of(new CompleteToolCall(0, call)), called.completeCalls());
        assertTrue(called.response().tokenUsage().outputTokenCount() > 0, "include_usage reports the tokens");

        // The non-streaming model gets the same greedy call, whole.
        ChatResponse wholeCall = whole("kjv").parallelToolCalls(false).build().chat(ask);
        assertEquals(FinishReason.TOOL_EXECUTION, wholeCall.finishReason());
        ToolExecutionRequest same = wholeCall.aiMessage().toolExecutionRequests().getFirst();
        assertEquals(ToolFixture.NAME, same.name());
        assertEquals(call.arguments(), same.arguments());

        ChatRequest answer = ChatRequest.builder()
                .messages(question, calling, ToolExecutionResultMessage.from(call, ToolFixture.forecast(city)))
                .toolSpecifications(weather())
                .toolChoice(ToolChoice.AUTO)
                .maxOutputTokens(ANSWER_TOKENS)
                .build();
        Streamed answered = Streamed.of(model, answer);
        assertTextAnswer(answered.texts(), answered.response());
        assertTrue(answered.toolDeltas().isEmpty() && answered.completeCalls().isEmpty());
        int tokens = answered.response().tokenUsage().outputTokenCount();
        assertTrue(tokens > 0 && tokens <= ANSWER_TOKENS, "output tokens " + tokens);
    }

    @Test
    void anAiServiceRunsItsToolMethodAndStreamsTheAnswerOfAnEnsemble() throws Exception {
        StreamingChatModel model = streaming("pair").strictTools(true).build();
        Forecasts forecasts = new Forecasts();
        Forecaster forecaster = AiServices.builder(Forecaster.class)
                .streamingChatModel(model)
                .tools(forecasts)
                // AiServices asks again after every tool result, with the same tools: the question's turn is forced
                // and the turns after a result may not call, which is what ends the loop whatever the model writes.
                .chatRequestTransformer(request -> request.messages().getLast() instanceof UserMessage
                        ? request.toBuilder().toolChoice(ToolChoice.REQUIRED).maxOutputTokens(SERVICE_CALL_TOKENS)
                                .build()
                        : request.toBuilder().toolChoice(ToolChoice.NONE).maxOutputTokens(ANSWER_TOKENS).build())
                .maxToolCallingRoundTrips(2)
                .build();
        List<String> texts = new CopyOnWriteArrayList<>();
        List<ToolExecution> executions = new CopyOnWriteArrayList<>();
        List<ChatResponse> intermediate = new CopyOnWriteArrayList<>();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        forecaster.ask("Weather in Babylon?")
                .onPartialResponse(texts::add)
                .onIntermediateResponse(intermediate::add)
                .onToolExecuted(executions::add)
                .onCompleteResponse(done::complete)
                .onError(done::completeExceptionally)
                .start();
        ChatResponse finalAnswer = done.get(ServedEngine.CLIENT_TIMEOUT.toSeconds(), TimeUnit.SECONDS);

        assertEquals(1, intermediate.size(), "one forced turn, then the answer");
        assertEquals(FinishReason.TOOL_EXECUTION, intermediate.getFirst().finishReason());
        List<ToolExecutionRequest> calls = intermediate.getFirst().aiMessage().toolExecutionRequests();
        assertFalse(calls.isEmpty());
        assertEquals(calls, executions.stream().map(ToolExecution::request).toList());
        for (ToolExecution execution : executions) {
            assertTrue(execution.request().id().startsWith("call_"), execution.request().id());
            assertEquals(ToolFixture.NAME, execution.request().name());
            ToolFixture.City city = ToolFixture.assertCityArguments(execution.request().arguments());
            assertEquals(ToolFixture.forecast(city), execution.result());
        }
        assertEquals(calls.stream().map(call -> ToolFixture.assertCityArguments(call.arguments())).toList(),
                forecasts.asked);
        if (calls.size() > 1) {
            assertNotEquals(calls.getFirst().id(), calls.get(1).id());
        }
        assertTextAnswer(texts, finalAnswer);
    }

    @Test
    void aToolWithoutParametersIsCalledWithNoArguments() {
        // LangChain4j declares it with {"type": "object", "properties": {}, "required": []}.
        ToolSpecification clock = ToolSpecification.builder().name("get_time").description("The time now").build();
        ChatResponse response = whole("kjv").parallelToolCalls(false).build().chat(ChatRequest.builder()
                .messages(UserMessage.from("What time is it?"))
                .toolSpecifications(clock)
                .toolChoice(ToolChoice.REQUIRED)
                .maxOutputTokens(CALL_TOKENS)
                .build());
        assertEquals(FinishReason.TOOL_EXECUTION, response.finishReason(), response.aiMessage().toString());
        ToolExecutionRequest call = response.aiMessage().toolExecutionRequests().getFirst();
        assertEquals("get_time", call.name());
        assertEquals("{}", call.arguments());
    }

    @Test
    void refusalsReachLangChain4jAsInvalidRequestsNamingTheField() {
        // A keyword the grammar cannot enforce, sent through LangChain4j's raw schema: the streaming handler gets
        // the 400 as its error.
        ToolSpecification unenforceable = ToolSpecification.builder()
                .name("pick")
                .parameters(JsonObjectSchema.builder()
                        .addProperty("word", JsonRawSchema.from("{\"type\": \"string\", \"not\": {\"const\": \"no\"}}"))
                        .build())
                .build();
        ChatRequest constrained = ChatRequest.builder()
                .messages(UserMessage.from("Pick a word."))
                .toolSpecifications(unenforceable)
                .toolChoice(ToolChoice.REQUIRED)
                .build();
        ExecutionException streamed = assertThrows(ExecutionException.class,
                () -> Streamed.of(streaming("kjv").build(), constrained));
        InvalidRequestException refused = assertInstanceOf(InvalidRequestException.class, streamed.getCause());
        assertTrue(refused.getMessage().contains("tools[0].function.parameters.properties.word"),
                refused.getMessage());

        // A result without a call id, which LangChain4j sends as OpenAI's legacy function call: refused by name.
        ToolExecutionRequest legacy = ToolExecutionRequest.builder().name(ToolFixture.NAME)
                .arguments("{\"city\":\"Nineveh\"}").build();
        ChatRequest functions = ChatRequest.builder()
                .messages(UserMessage.from("Weather in Nineveh?"), AiMessage.from(List.of(legacy)),
                        ToolExecutionResultMessage.from(null, ToolFixture.NAME,
                                ToolFixture.forecast(ToolFixture.City.Nineveh)))
                .build();
        InvalidRequestException unsupported = assertThrows(InvalidRequestException.class,
                () -> whole("kjv").build().chat(functions));
        assertTrue(unsupported.getMessage().contains("messages[1].function_call"), unsupported.getMessage());
    }

    private static OpenAiStreamingChatModel.OpenAiStreamingChatModelBuilder streaming(String model) {
        return OpenAiStreamingChatModel.builder().baseUrl(served.baseUrl()).apiKey("sk-unused").modelName(model)
                .temperature(0.0).timeout(ServedEngine.CLIENT_TIMEOUT);
    }

    private static OpenAiChatModel.OpenAiChatModelBuilder whole(String model) {
        return OpenAiChatModel.builder().baseUrl(served.baseUrl()).apiKey("sk-unused").modelName(model)
                .temperature(0.0).maxRetries(0).timeout(ServedEngine.CLIENT_TIMEOUT);
    }

    /** The streamed pieces are the answer's text, which is not empty, and it ended as text does. */
    private static void assertTextAnswer(List<String> pieces, ChatResponse response) {
        assertFalse(pieces.isEmpty(), "the answer streams");
        assertEquals(String.join("", pieces), response.aiMessage().text());
        assertFalse(response.aiMessage().text().isBlank());
        assertFalse(response.aiMessage().hasToolExecutionRequests());
        assertTrue(TEXT_ENDS.contains(response.finishReason()), response.finishReason().toString());
    }

    private static ToolSpecification weather() {
        return ToolSpecification.builder()
                .name(ToolFixture.NAME)
                .description(ToolFixture.DESCRIPTION)
                .parameters(JsonObjectSchema.builder()
                        .addEnumProperty("city", ToolFixture.cities())
                        .required("city")
                        .additionalProperties(false)
                        .build())
                .build();
    }

    /** An AI service whose answers stream. */
    interface Forecaster {
        TokenStream ask(String question);
    }

    /** The tool the AI service offers, recording each city it was asked about. */
    static final class Forecasts {
        final List<ToolFixture.City> asked = new CopyOnWriteArrayList<>();

        @Tool(name = ToolFixture.NAME, value = ToolFixture.DESCRIPTION)
        String weather(@P(name = "city", value = "the city") ToolFixture.City city) {
            asked.add(city);
            return ToolFixture.forecast(city);
        }
    }

    /** One streamed chat response as the handler saw it: text pieces, tool-call deltas, finished calls, the end. */
    private record Streamed(List<String> texts, List<PartialToolCall> toolDeltas, List<CompleteToolCall> completeCalls,
                            ChatResponse response) {
        static Streamed of(StreamingChatModel model, ChatRequest request) throws Exception {
            List<String> texts = new CopyOnWriteArrayList<>();
            List<PartialToolCall> deltas = new CopyOnWriteArrayList<>();
            List<CompleteToolCall> calls = new CopyOnWriteArrayList<>();
            CompletableFuture<ChatResponse> done = new CompletableFuture<>();
            model.chat(request, new StreamingChatResponseHandler() {
                @Override
                public void onPartialResponse(String partialResponse) {
                    texts.add(partialResponse);
                }

                @Override
                public void onPartialToolCall(PartialToolCall partialToolCall) {
                    deltas.add(partialToolCall);
                }

                @Override
                public void onCompleteToolCall(CompleteToolCall completeToolCall) {
                    calls.add(completeToolCall);
                }

                @Override
                public void onCompleteResponse(ChatResponse completeResponse) {
                    done.complete(completeResponse);
                }

                @Override
                public void onError(Throwable error) {
                    done.completeExceptionally(error);
                }
            });
            ChatResponse response = done.get(ServedEngine.CLIENT_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            return new Streamed(List.copyOf(texts), List.copyOf(deltas), List.copyOf(calls), response);
        }
    }
}
