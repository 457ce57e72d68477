package dev.chorus.server.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chorus.engine.GenerationEvent;
import dev.chorus.engine.StepTrace;
import dev.chorus.engine.TokenLogprob;

import java.util.List;
import java.util.function.IntFunction;

/**
 * The {@code chorus.trace} extension of a choice (requested with {@code "chorus": {"trace": k}}): one entry per
 * sampled token, each chunk of a stream carrying its token's entry and a whole answer all of them, in order:
 * <pre>{"token": 42, "text": " light", "logprob": -0.7,
 *  "top": [{"token": 42, "text": " light", "logprob": -0.7}, …],                 // the fused top k
 *  "members": [{"model": "kjv", "logprob": -0.2, "top": [ … ]}, …]}            // each member's own top k</pre>
 * A member's {@code logprob} is its own log-probability of the chosen token. Log-probabilities are in nats, with
 * −∞ written as {@link ResponseShape#LOGPROB_FLOOR}; {@code text} is a token's piece (a lone byte of a multi-byte
 * character shows as U+FFFD).
 */
final class TraceJson {
    private TraceJson() {
    }

    /** Adds {@code chorus.trace} to {@code choice} for those of {@code tokens} that carry a trace. */
    static void attach(ObjectNode choice, List<GenerationEvent.Token> tokens, IntFunction<byte[]> bytes) {
        ArrayNode steps = null;
        for (GenerationEvent.Token token : tokens) {
            if (token.trace().isEmpty()) {
                continue;
            }
            if (steps == null) {
                steps = choice.withObject("chorus").putArray("trace");
            }
            StepTrace trace = token.trace().get();
            ObjectNode step = steps.addObject()
                    .put("token", token.token())
                    .put("text", ResponseShape.piece(bytes.apply(token.token())))
                    .put("logprob", ResponseShape.finite(token.logprob()));
            step.set("top", entries(trace.fused()));
            ArrayNode members = step.putArray("members");
            for (StepTrace.Member member : trace.members()) {
                ObjectNode entry = members.addObject()
                        .put("model", member.model())
                        .put("logprob", ResponseShape.finite(member.logprob()));
                entry.set("top", entries(member.top()));
            }
        }
    }

    private static ArrayNode entries(List<TokenLogprob> top) {
        ArrayNode array = Json.MAPPER.createArrayNode();
        for (TokenLogprob entry : top) {
            array.addObject()
                    .put("token", entry.token())
                    .put("text", entry.text())
                    .put("logprob", ResponseShape.finite(entry.logprob()));
        }
        return array;
    }
}
