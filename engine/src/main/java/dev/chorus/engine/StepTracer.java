package dev.chorus.engine;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Reads one member's own distribution for a {@link StepTrace} from its logits at its temperature {@code T}, on the
 * host, in one pass over the vocabulary: {@code log p_i = (s_i − max s) / T + log maxprob}, where {@code maxprob}, the
 * member's largest probability, is what the fusion step already computed ({@code kernels/FUSION.md}, step 1:
 * {@code maxprob = exp(max s / T − logsumexp(s / T))}), so no second pass of exponentials is needed. Runs only for
 * traced sequences.
 */
final class StepTracer {
    private StepTracer() {
    }

    /**
     * Member {@code model}'s trace from {@code logits} ({@code vocabSize} floats).
     *
     * @param maxProbability the largest probability of the member's distribution, from the fusion step
     * @param chosen         the token the step sampled from the fused distribution
     * @param count          how many of the member's most likely tokens to report
     * @param text           a token's text
     */
    static StepTrace.Member member(String model, MemorySegment logits, int vocabSize, float temperature,
                                   float maxProbability, int chosen, int count, IntFunction<String> text) {
        if (!(maxProbability > 0 && maxProbability <= 1)) {
            throw new IllegalArgumentException("a largest probability must be in (0, 1]: " + maxProbability);
        }
        float max = Float.NEGATIVE_INFINITY;
        int[] top = new int[count];
        float[] topLogits = new float[count];
        int kept = 0;
        for (int i = 0; i < vocabSize; i++) {
            float logit = logits.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            max = Math.max(max, logit);
            // Insertion into the descending top list; a later index never displaces an equal logit (ties by lower id).
            if (kept < count || logit > topLogits[kept - 1]) {
                int at = Math.min(kept, count - 1);
                while (at > 0 && logit > topLogits[at - 1]) {
                    top[at] = top[at - 1];
                    topLogits[at] = topLogits[at - 1];
                    at--;
                }
                top[at] = i;
                topLogits[at] = logit;
                kept = Math.min(kept + 1, count);
            }
        }
        double logMaxProbability = Math.log(maxProbability);
        List<TokenLogprob> entries = new ArrayList<>(kept);
        for (int j = 0; j < kept; j++) {
            entries.add(new TokenLogprob(top[j], text.apply(top[j]),
                    logprob(topLogits[j], max, temperature, logMaxProbability)));
        }
        float chosenLogit = logits.getAtIndex(ValueLayout.JAVA_FLOAT, chosen);
        return new StepTrace.Member(model, logprob(chosenLogit, max, temperature, logMaxProbability), entries);
    }

    private static float logprob(float logit, float max, float temperature, double logMaxProbability) {
        return (float) ((logit - max) / (double) temperature + logMaxProbability);
    }
}
