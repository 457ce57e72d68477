package dev.chorus.server.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chorus.engine.FinishReason;
import dev.chorus.engine.GenerationEvent;

import java.util.List;
import java.util.Optional;
import java.util.function.IntFunction;

/** {@code chat.completion} answers: a {@code message} or {@code delta}, log-probabilities as {@code content[]}. */
final class ChatShape implements ResponseShape {
    static final ChatShape INSTANCE = new ChatShape();

    private ChatShape() {
    }

    @Override
    public String idPrefix() {
        return "chatcmpl-";
    }

    @Override
    public String object() {
        return "chat.completion";
    }

    @Override
    public String chunkObject() {
        return "chat.completion.chunk";
    }

    @Override
    public ObjectNode choice(int index, String text, Optional<List<GenerationEvent.Token>> tokens, FinishReason reason,
                             IntFunction<byte[]> bytes) {
        ObjectNode choice = Json.object().put("index", index);
        choice.putObject("message").put("role", "assistant").put("content", text).putNull("refusal");
        choice.set("logprobs", tokens.map(list -> logprobs(list, bytes)).orElse(null));
        choice.put("finish_reason", ResponseShape.finishReason(reason));
        return choice;
    }

    @Override
    public Optional<ObjectNode> openingChoice(int index) {
        ObjectNode choice = Json.object().put("index", index);
        choice.putObject("delta").put("role", "assistant");
        choice.putNull("logprobs");
        choice.putNull("finish_reason");
        return Optional.of(choice);
    }

    @Override
    public ObjectNode deltaChoice(int index, String text, Optional<GenerationEvent.Token> token, int textOffset,
                                  IntFunction<byte[]> bytes) {
        ObjectNode choice = Json.object().put("index", index);
        choice.putObject("delta").put("content", text);
        choice.set("logprobs", token.map(sampled -> logprobs(List.of(sampled), bytes)).orElse(null));
        choice.putNull("finish_reason");
        return choice;
    }

    @Override
    public ObjectNode closingChoice(int index, FinishReason reason) {
        ObjectNode choice = Json.object().put("index", index);
        choice.putObject("delta");
        choice.putNull("logprobs");
        choice.put("finish_reason", ResponseShape.finishReason(reason));
        return choice;
    }

    private static ObjectNode logprobs(List<GenerationEvent.Token> tokens, IntFunction<byte[]> bytes) {
        ObjectNode logprobs = Json.object();
        ArrayNode content = logprobs.putArray("content");
        for (GenerationEvent.Token token : tokens) {
            ObjectNode entry = entry(bytes.apply(token.token()), token.logprob());
            ArrayNode top = entry.putArray("top_logprobs");
            token.topLogprobs().forEach(alternative -> top.add(entry(bytes.apply(alternative.token()),
                    alternative.logprob())));
            content.add(entry);
        }
        logprobs.putNull("refusal");
        return logprobs;
    }

    private static ObjectNode entry(byte[] piece, float logprob) {
        ObjectNode entry = Json.object()
                .put("token", ResponseShape.piece(piece))
                .put("logprob", ResponseShape.finite(logprob));
        entry.set("bytes", ResponseShape.byteArray(piece));
        return entry;
    }
}
