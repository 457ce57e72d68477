package dev.chorus.engine.adaptive;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A member's log-probability of one token from its raw logits at its temperature, {@code log softmax(s / T)[token]},
 * in double precision: the evidence {@link AdaptiveWeights#observe} takes. −∞ for a token whose logit is −∞.
 */
public final class TokenLogprob {
    private TokenLogprob() {
    }

    /** @param logits {@code vocab} float logits of one position */
    public static double of(MemorySegment logits, int vocab, float temperature, int token) {
        if (token < 0 || token >= vocab) {
            throw new IllegalArgumentException("token " + token + " outside the vocabulary of " + vocab);
        }
        double inverse = 1.0 / temperature;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, logits.getAtIndex(ValueLayout.JAVA_FLOAT, i) * inverse);
        }
        if (max == Double.NEGATIVE_INFINITY) {
            throw new IllegalArgumentException("every logit is -inf");
        }
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            sum += Math.exp(logits.getAtIndex(ValueLayout.JAVA_FLOAT, i) * inverse - max);
        }
        return logits.getAtIndex(ValueLayout.JAVA_FLOAT, token) * inverse - max - Math.log(sum);
    }
}
