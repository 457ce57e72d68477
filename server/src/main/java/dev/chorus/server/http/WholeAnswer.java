package dev.chorus.server.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.chorus.engine.GenerationEvent;
import dev.chorus.engine.Usage;
import dev.chorus.engine.tools.ToolCall;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A non-streamed answer: every choice read to its end, then one JSON object with the request's usage. While the
 * choices generate, the client's connection is watched ({@link ClientConnection}): a client that left ends the
 * request at once, so its slots are freed instead of generating an answer nobody reads.
 */
final class WholeAnswer {
    private WholeAnswer() {
    }

    /** Reads every choice and sends the answer; returns the usage. */
    static Usage send(HttpExchange exchange, Answer answer, List<ChoiceReader> choices)
            throws IOException, ApiException {
        ObjectNode body = answer.envelope(false);
        ArrayNode array = body.withArray("choices");
        boolean logprobs = answer.request().logprobs();
        ClientConnection client = ClientConnection.of(exchange);
        ChoiceReader.Waiting watch = new ChoiceReader.Waiting() {
            @Override
            public void waited() throws IOException {
                client.check();
            }

            @Override
            public Duration interval() {
                return Duration.ofMillis(ClientConnection.CHECK_MILLIS);
            }
        };
        for (int index = 0; index < choices.size(); index++) {
            ChoiceReader choice = choices.get(index);
            StringBuilder text = new StringBuilder();
            List<GenerationEvent.Token> tokens = new ArrayList<>();
            GenerationEvent event;
            do {
                event = choice.next(watch);
                client.check();
                text.append(event.text());
                if ((logprobs || answer.request().traced()) && event instanceof GenerationEvent.Token token) {
                    tokens.add(token);
                }
            } while (event instanceof GenerationEvent.Token);
            ObjectNode finished = answer.shape().choice(index, text.toString(),
                    logprobs ? Optional.of(tokens) : Optional.empty(), choice.finishReason(), answer.tokenBytes());
            if (answer.request().callsTools()) {
                Optional<List<ToolCall>> calls = ToolCallAnswer.calls(answer.request(), text.toString());
                calls.ifPresent(list -> ToolCallAnswer.choice(finished, list));
            }
            choice.attachSummary(finished);
            TraceJson.attach(finished, tokens, answer.tokenBytes());
            array.add(finished);
        }
        Usage usage = ChoiceReader.total(choices);
        body.set("usage", ResponseShape.usage(usage));
        Responses.json(exchange, 200, body);
        return usage;
    }
}
