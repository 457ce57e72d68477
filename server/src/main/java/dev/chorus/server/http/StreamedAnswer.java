package dev.chorus.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.chorus.engine.GenerationEvent;
import dev.chorus.engine.Usage;
import dev.chorus.engine.tools.ToolCall;
import dev.chorus.engine.tools.ToolCalling;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A streamed answer, as OpenAI clients expect it: one id in every chunk; a role-only first delta per choice (chat),
 * then per choice one chunk per token and a closing chunk with {@code finish_reason}; with {@code include_usage} a {@code usage:
 * null} in every chunk and a last {@code choices: []} chunk carrying the usage; then {@code data: [DONE]}. An
 * orchestrated choice's closing chunk carries the {@code chorus} member reports, a speculated one its
 * {@link SpeculationJson speculation}; with {@code chorus.trace} every token has its chunk, carrying its step's
 * {@link TraceJson trace}.
 * Choices are sent one after the other (the engine generates them together). An error after the headers went
 * out, such as the deadline, is sent as an {@code error} event and the stream ends without {@code [DONE]}.
 */
final class StreamedAnswer {
    private StreamedAnswer() {
    }

    /**
     * Streams every choice; returns the usage, or empty when the stream ended with an error event.
     *
     * @throws IOException when the client went away
     */
    static Optional<Usage> send(HttpExchange exchange, Answer answer, List<ChoiceReader> choices) throws IOException {
        SseStream sse = SseStream.open(exchange);
        try {
            // Every choice opens before any ends: openai-java's accumulator takes the first moment all the choices
            // it has seen are finished as the end of the stream.
            for (int index = 0; index < choices.size(); index++) {
                Optional<ObjectNode> opening = answer.shape().openingChoice(index);
                if (opening.isPresent()) {
                    sse.send(chunk(answer, opening.get()));
                }
            }
            for (int index = 0; index < choices.size(); index++) {
                sendChoice(sse, answer, index, choices.get(index));
            }
            Usage usage = ChoiceReader.total(choices);
            if (answer.request().includeUsage()) {
                ObjectNode last = answer.envelope(true);
                last.set("usage", ResponseShape.usage(usage));
                sse.send(last);
            }
            sse.done();
            return Optional.of(usage);
        } catch (ApiException e) {
            sse.send(Json.error(e));
            return Optional.empty();
        }
    }

    private static void sendChoice(SseStream sse, Answer answer, int index, ChoiceReader choice)
            throws IOException, ApiException {
        List<GenerationEvent> opening = new ArrayList<>();
        if (answer.request().callsTools()) {
            ToolCalling tools = answer.request().tools().orElseThrow();
            // Under 'auto' the first non-blank character tells a call from text; until then the tokens wait.
            StringBuilder text = new StringBuilder();
            ToolCalling.AnswerStart start = tools.start(text);
            while (start == ToolCalling.AnswerStart.UNDECIDED && !ended(opening)) {
                GenerationEvent event = choice.next(sse::keepAlive);
                opening.add(event);
                start = tools.start(text.append(event.text()));
            }
            if (start == ToolCalling.AnswerStart.CALLS) {
                sendToolCalls(sse, answer, index, choice, opening);
                return;
            }
        }
        sendText(sse, answer, index, choice, opening);
    }

    private static boolean ended(List<GenerationEvent> events) {
        return !events.isEmpty() && !(events.getLast() instanceof GenerationEvent.Token);
    }

    /** A text choice: the events already read ({@code opening}), then the rest, each token as it comes. */
    private static void sendText(SseStream sse, Answer answer, int index, ChoiceReader choice,
                                 List<GenerationEvent> opening) throws IOException, ApiException {
        ResponseShape shape = answer.shape();
        int textOffset = 0;
        GenerationEvent event;
        int read = 0;
        do {
            event = read < opening.size() ? opening.get(read++) : choice.next(sse::keepAlive);
            Optional<GenerationEvent.Token> token = answer.request().logprobs()
                    && event instanceof GenerationEvent.Token sampled ? Optional.of(sampled) : Optional.empty();
            boolean traced = event instanceof GenerationEvent.Token sampled && sampled.trace().isPresent();
            // A token that releases no text yet (half a character, a possible stop string) shows only its logprob
            // and trace.
            if (!event.text().isEmpty() || token.isPresent() || traced) {
                ObjectNode delta = shape.deltaChoice(index, event.text(), token, textOffset, answer.tokenBytes());
                if (event instanceof GenerationEvent.Token sampled) {
                    TraceJson.attach(delta, List.of(sampled), answer.tokenBytes());
                }
                sse.send(chunk(answer, delta));
                textOffset += event.text().length();
            }
        } while (event instanceof GenerationEvent.Token);
        ObjectNode closing = shape.closingChoice(index, choice.finishReason());
        choice.attachSummary(closing);
        sse.send(chunk(answer, closing));
    }

    /**
     * A choice of tool calls: the events already read ({@code opening}), then the rest of the answer generated whole
     * (keeping the connection alive), then sent as calls.
     */
    private static void sendToolCalls(SseStream sse, Answer answer, int index, ChoiceReader choice,
                                      List<GenerationEvent> opening) throws IOException, ApiException {
        StringBuilder text = new StringBuilder();
        opening.forEach(event -> text.append(event.text()));
        GenerationEvent event = opening.isEmpty() ? null : opening.getLast();
        while (event == null || event instanceof GenerationEvent.Token) {
            event = choice.next(sse::keepAlive);
            text.append(event.text());
        }
        Optional<List<ToolCall>> calls = ToolCallAnswer.calls(answer.request(), text.toString());
        ObjectNode closing;
        if (calls.isPresent()) {
            for (ObjectNode delta : ToolCallAnswer.deltas(index, calls.get())) {
                sse.send(chunk(answer, delta));
            }
            closing = ToolCallAnswer.closing(index);
        } else {
            sse.send(chunk(answer, answer.shape().deltaChoice(index, text.toString(), Optional.empty(), 0,
                    answer.tokenBytes())));
            closing = answer.shape().closingChoice(index, choice.finishReason());
        }
        choice.attachSummary(closing);
        sse.send(chunk(answer, closing));
    }

    private static ObjectNode chunk(Answer answer, ObjectNode choice) {
        ObjectNode chunk = answer.envelope(true);
        chunk.withArray("choices").add(choice);
        return chunk;
    }
}
