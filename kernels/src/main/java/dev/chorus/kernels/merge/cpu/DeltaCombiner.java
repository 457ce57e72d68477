package dev.chorus.kernels.merge.cpu;

import dev.chorus.kernels.merge.DeltaKeep;
import dev.chorus.kernels.merge.MergeInputs;
import dev.chorus.kernels.merge.MergeStep;
import dev.chorus.kernels.merge.StagedMergeKernels;

/**
 * {@link MergeStep.DeltaMerge} for one element at a time in float, the same operations in the same order as
 * {@code k_combine_deltas} in merge.cu and merge.cl. Caches the Philox words of the current quad of elements.
 */
final class DeltaCombiner {

    private final MergeStep.DeltaMerge step;
    private final int models;
    private final float[] weights;
    private final float[] scales;
    private final int[] lows;
    private final int[] highs;
    private final int[] keep24;
    private final float[] weighted;
    private final int[][] dareWords;
    private final float normalizedWeightSum;
    private int quad = -1;

    DeltaCombiner(MergeStep.DeltaMerge step, int[] words, int models) {
        this.step = step;
        this.models = models;
        weights = new float[models];
        scales = new float[models];
        lows = new int[models];
        highs = new int[models];
        keep24 = new int[models];
        weighted = new float[models];
        dareWords = new int[models][4];
        for (int m = 0; m < models; m++) {
            int at = StagedMergeKernels.DELTA_WORDS * m;
            weights[m] = Float.intBitsToFloat(words[at]);
            scales[m] = Float.intBitsToFloat(words[at + 1]);
            lows[m] = words[at + 2];
            highs[m] = words[at + 3];
            keep24[m] = words[at + 4];
        }
        normalizedWeightSum = (float) step.weightSum();
    }

    float combine(MergeInputs inputs, int i) {
        float base = inputs.base()[i];
        if (i >>> 2 != quad) {
            quad = i >>> 2;
            for (int m = 0; m < models; m++) {
                if (keep24[m] != DeltaKeep.KEEP_ALL) {
                    DeltaKeep.dareWords(step.seed(), step.tensorIndex(), m, quad, dareWords[m]);
                }
            }
        }
        float sum = 0;
        for (int m = 0; m < models; m++) {
            float delta = inputs.models()[m][i] - base;
            boolean keep = DeltaKeep.inInterval(DeltaKeep.key(delta), lows[m], highs[m])
                    && (keep24[m] == DeltaKeep.KEEP_ALL || DeltaKeep.dareKeeps(dareWords[m][i & 3], keep24[m]));
            weighted[m] = keep ? weights[m] * (delta * scales[m]) : 0f;
            sum += weighted[m];
        }
        float mixed = sum;
        float divisor = normalizedWeightSum;
        if (step.consensus()) {
            mixed = 0f;
            divisor = 0f;
            for (int m = 0; m < models; m++) {
                if (weighted[m] != 0f && (weighted[m] > 0f) == (sum > 0f) && sum != 0f) {
                    mixed += weighted[m];
                    divisor += weights[m];
                }
            }
            divisor = divisor == 0f ? 1f : divisor;
        }
        return base + step.lambda() * (step.normalize() ? mixed / divisor : mixed);
    }
}
