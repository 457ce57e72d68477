package dev.chorus.engine;

import dev.chorus.llama.Grammar;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a generation may produce, applied to the fused distribution before sampling and before log-probabilities are
 * reported: a GBNF grammar its text must match (llama.cpp's grammar engine gives the tokens allowed at each step; the
 * others are masked), and OpenAI's {@code logit_bias}, added to the fused logits of the tokens named.
 *
 * @param grammar   GBNF text with a {@code root} rule; empty for free text
 * @param logitBias token id → bias in [−100, 100]; −100 all but bans a token, 100 all but forces it
 */
public record Constraint(Optional<String> grammar, Map<Integer, Float> logitBias) {
    public static final Constraint NONE = new Constraint(Optional.empty(), Map.of());
    public static final float MAX_BIAS = 100;
    /** OpenAI's limit on the entries of {@code logit_bias}. */
    public static final int MAX_BIASED_TOKENS = 1024;

    public Constraint {
        Objects.requireNonNull(grammar, "grammar");
        logitBias = Map.copyOf(logitBias);
        if (grammar.isPresent() && (grammar.get().isBlank() || grammar.get().length() > Grammar.MAX_BYTES)) {
            throw new InvalidRequest("grammar", "'grammar' must be non-empty GBNF of at most " + Grammar.MAX_BYTES
                    + " characters.");
        }
        if (logitBias.size() > MAX_BIASED_TOKENS) {
            throw new InvalidRequest("logit_bias", "'logit_bias' may name at most " + MAX_BIASED_TOKENS
                    + " tokens, got " + logitBias.size() + ".");
        }
        logitBias.forEach((token, bias) -> {
            if (token < 0) {
                throw new InvalidRequest("logit_bias", "'logit_bias' keys are token ids ≥ 0, got " + token + ".");
            }
            InvalidRequest.requireRange("logit_bias", bias, -MAX_BIAS, MAX_BIAS);
        });
    }

    public static Constraint grammar(String gbnf) {
        return new Constraint(Optional.of(gbnf), Map.of());
    }

    public Constraint withLogitBias(Map<Integer, Float> bias) {
        return new Constraint(grammar, bias);
    }

    public boolean isNone() {
        return grammar.isEmpty() && logitBias.isEmpty();
    }
}
