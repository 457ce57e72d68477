package dev.chorus.engine;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Reads one member's own distribution for a {@link StepTrace}: the log-softmax of its logits at its temperature
 * {@code T}, {@code log p_i = (s_i − max s) / T − log Σ_j exp((s_j − max s) / T)}, in double precision, on the host.
 * Runs only for traced sequences (a pass over the vocabulary per member and step), so it stays off the fused path.
 */
final class StepTracer {
    private StepTracer() {
    }

    /**
     * Member {@code model}'s trace from {@code logits} ({@code vocabSize} floats).
     *
     * @param chosen the token the step sampled from the fused distribution
     * @param count  how many of the member's most likely tokens to report
     * @param text   a token's text
     */
    static StepTrace.Member member(String model, MemorySegment logits, int vocabSize, float temperature, int chosen,
                                   int count, IntFunction<String> text) {
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
        double sum = 0;
        for (int i = 0; i < vocabSize; i++) {
            sum += Math.exp((logits.getAtIndex(ValueLayout.JAVA_FLOAT, i) - max) / (double) temperature);
        }
        double logSum = Math.log(sum);
        List<TokenLogprob> entries = new ArrayList<>(kept);
        for (int j = 0; j < kept; j++) {
            entries.add(new TokenLogprob(top[j], text.apply(top[j]), logprob(topLogits[j], max, temperature, logSum)));
        }
        float chosenLogit = logits.getAtIndex(ValueLayout.JAVA_FLOAT, chosen);
        return new StepTrace.Member(model, logprob(chosenLogit, max, temperature, logSum), entries);
    }

    private static float logprob(float logit, float max, float temperature, double logSum) {
        return (float) ((logit - max) / (double) temperature - logSum);
    }
}
