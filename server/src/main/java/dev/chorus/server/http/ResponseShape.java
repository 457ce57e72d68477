package dev.chorus.server.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chorus.engine.FinishReason;
import dev.chorus.engine.GenerationEvent;
import dev.chorus.engine.Usage;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.function.IntFunction;

/**
 * The JSON of one endpoint's answers: {@link ChatShape} for {@code /v1/chat/completions}, {@link TextShape} for
 * the legacy {@code /v1/completions}. Both share the envelope; they differ in how a choice, a streamed delta and
 * log-probabilities look. {@code bytes} gives a token's exact piece bytes.
 */
sealed interface ResponseShape permits ChatShape, TextShape {
    /** OpenAI reports a log-probability of −∞ (a filtered token) as this finite floor, which JSON can carry. */
    double LOGPROB_FLOOR = -9999.0;

    String idPrefix();

    /** {@code object} of a whole answer. */
    String object();

    /** {@code object} of a streamed chunk. */
    String chunkObject();

    /** A finished choice of a non-streamed answer; {@code tokens} are present when log-probabilities were asked. */
    ObjectNode choice(int index, String text, Optional<List<GenerationEvent.Token>> tokens, FinishReason reason,
                      IntFunction<byte[]> bytes);

    /** The choice of the first chunk of a stream, before any token, if the shape has one. */
    Optional<ObjectNode> openingChoice(int index);

    /**
     * The choice of a chunk carrying text and, when log-probabilities were asked, the token that released it.
     *
     * @param textOffset characters of the choice's text before this chunk (legacy log-probabilities report it)
     */
    ObjectNode deltaChoice(int index, String text, Optional<GenerationEvent.Token> token, int textOffset,
                           IntFunction<byte[]> bytes);

    /** The choice of the chunk that ends a choice. */
    ObjectNode closingChoice(int index, FinishReason reason);

    /** {@code id}, {@code object}, {@code created}, {@code model} and an empty {@code choices} array. */
    default ObjectNode envelope(String id, long created, String model, boolean chunk) {
        ObjectNode envelope = Json.object()
                .put("id", id)
                .put("object", chunk ? chunkObject() : object())
                .put("created", created)
                .put("model", model);
        envelope.putArray("choices");
        return envelope;
    }

    static ObjectNode usage(Usage usage) {
        ObjectNode counts = Json.object()
                .put("prompt_tokens", usage.promptTokens())
                .put("completion_tokens", usage.completionTokens())
                .put("total_tokens", usage.totalTokens());
        counts.putObject("prompt_tokens_details").put("cached_tokens", usage.cachedPromptTokens());
        return counts;
    }

    /** {@code stop} or {@code length}, the only reasons a choice that reaches a client can have. */
    static String finishReason(FinishReason reason) {
        return switch (reason) {
            case STOP -> "stop";
            case LENGTH -> "length";
            case CANCELLED, ERROR, UNAVAILABLE -> throw new IllegalStateException(reason + " is answered as an error");
        };
    }

    static double finite(float logprob) {
        return Math.max(logprob, LOGPROB_FLOOR);
    }

    /** A token's piece as text (a lone byte of a multi-byte character shows as U+FFFD). */
    static String piece(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** OpenAI's {@code bytes}: the piece's UTF-8 bytes as unsigned integers. */
    static ArrayNode byteArray(byte[] bytes) {
        ArrayNode array = Json.MAPPER.createArrayNode();
        for (byte b : bytes) {
            array.add(b & 0xFF);
        }
        return array;
    }
}
