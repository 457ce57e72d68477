package dev.chorus.engine;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Compares two runs of one seeded request up to rounding. llama.cpp's batched matrix products may round differently
 * from single-token ones (they do on AMD Zen 4), so a token drawn within that rounding of a decision boundary (a
 * greedy near-tie, or a seeded draw at a cumulative-probability edge) may flip. A difference passes only where it
 * shows as rounding: identical tokens before it and the same fused distribution at it — every token of one run's top
 * log-probs within 0.01 nats in the other's (request top log-probs for this).
 */
final class SameTokens {
    private SameTokens() {
    }

    /** The token events of a generation, in order (waits for its end). */
    static List<GenerationEvent.Token> events(Generation generation) throws InterruptedException {
        List<GenerationEvent.Token> tokens = new ArrayList<>();
        for (GenerationEvent event = generation.nextEvent(); event instanceof GenerationEvent.Token token;
             event = generation.nextEvent()) {
            tokens.add(token);
        }
        return tokens;
    }

    /**
     * Asserts that the runs agree, or differ first where the distribution agrees within rounding.
     *
     * @return whether they differ at all
     */
    static boolean assertSameUpToRounding(List<GenerationEvent.Token> first, List<GenerationEvent.Token> second,
                                          String what) {
        int step = 0;
        while (step < Math.min(first.size(), second.size()) && first.get(step).token() == second.get(step).token()) {
            step++;
        }
        if (step == first.size() && step == second.size()) {
            return false;
        }
        assertTrue(step < first.size() && step < second.size(), what + ": one run ended early, at token " + step);
        for (TokenLogprob top : first.get(step).topLogprobs()) {
            float other = second.get(step).topLogprobs().stream().filter(candidate -> candidate.token() == top.token())
                    .map(TokenLogprob::logprob).findFirst().orElse(Float.NEGATIVE_INFINITY);
            assertTrue(Math.abs(top.logprob() - other) < 0.01f || (top.logprob() < -8 && other == Float.NEGATIVE_INFINITY),
                    what + ", token " + step + ": token " + top.token() + " has log-prob " + top.logprob()
                            + " in one run and " + other + " in the other: not rounding");
        }
        assertTrue(!first.get(step).topLogprobs().isEmpty(), what + ": differs at token " + step
                + " and the request asked for no top log-probs to show it is rounding");
        return true;
    }

    static List<Integer> tokens(List<GenerationEvent.Token> events) {
        return events.stream().map(GenerationEvent.Token::token).toList();
    }
}
