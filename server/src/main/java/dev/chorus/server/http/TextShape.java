package dev.chorus.server.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chorus.engine.FinishReason;
import dev.chorus.engine.GenerationEvent;

import java.util.List;
import java.util.Optional;
import java.util.function.IntFunction;

/**
 * Legacy {@code text_completion} answers: a {@code text} per choice, log-probabilities as parallel arrays
 * ({@code tokens}, {@code token_logprobs}, {@code top_logprobs} maps, {@code text_offset}).
 */
final class TextShape implements ResponseShape {
    static final TextShape INSTANCE = new TextShape();

    private TextShape() {
    }

    @Override
    public String idPrefix() {
        return "cmpl-";
    }

    @Override
    public String object() {
        return "text_completion";
    }

    @Override
    public String chunkObject() {
        return "text_completion";
    }

    @Override
    public ObjectNode choice(int index, String text, Optional<List<GenerationEvent.Token>> tokens, FinishReason reason,
                             IntFunction<byte[]> bytes) {
        ObjectNode choice = Json.object().put("index", index).put("text", text);
        choice.set("logprobs", tokens.map(list -> logprobs(list, 0, bytes)).orElse(null));
        choice.put("finish_reason", ResponseShape.finishReason(reason));
        return choice;
    }

    @Override
    public Optional<ObjectNode> openingChoice(int index) {
        return Optional.empty();
    }

    @Override
    public ObjectNode deltaChoice(int index, String text, Optional<GenerationEvent.Token> token, int textOffset,
                                  IntFunction<byte[]> bytes) {
        ObjectNode choice = Json.object().put("index", index).put("text", text);
        choice.set("logprobs", token.map(sampled -> logprobs(List.of(sampled), textOffset, bytes)).orElse(null));
        choice.putNull("finish_reason");
        return choice;
    }

    @Override
    public ObjectNode closingChoice(int index, FinishReason reason) {
        ObjectNode choice = Json.object().put("index", index).put("text", "");
        choice.putNull("logprobs");
        choice.put("finish_reason", ResponseShape.finishReason(reason));
        return choice;
    }

    private static ObjectNode logprobs(List<GenerationEvent.Token> events, int firstOffset, IntFunction<byte[]> bytes) {
        ObjectNode logprobs = Json.object();
        ArrayNode tokens = logprobs.putArray("tokens");
        ArrayNode tokenLogprobs = logprobs.putArray("token_logprobs");
        ArrayNode topLogprobs = logprobs.putArray("top_logprobs");
        ArrayNode textOffsets = logprobs.putArray("text_offset");
        int offset = firstOffset;
        for (GenerationEvent.Token event : events) {
            tokens.add(ResponseShape.piece(bytes.apply(event.token())));
            tokenLogprobs.add(ResponseShape.finite(event.logprob()));
            ObjectNode top = topLogprobs.addObject();
            event.topLogprobs().forEach(alternative -> top.put(ResponseShape.piece(bytes.apply(alternative.token())),
                    ResponseShape.finite(alternative.logprob())));
            textOffsets.add(offset);
            offset += event.text().length();
        }
        return logprobs;
    }
}
