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
    private final long offset;
    final float[] weights;
    final float[] scales;
    final DeltaKeep.Bounds[] bounds;
    private final int[] keep24;
    private final float[] weighted;
    private final int[][] dareWords;
    final float weightSum;
    private long quad = -1;

    /** For a chunk that starts at element {@code offset} of its tensor. */
    DeltaCombiner(MergeStep.DeltaMerge step, int[] words, int models, long offset) {
        this.step = step;
        this.models = models;
        this.offset = offset;
        weights = new float[models];
        scales = new float[models];
        bounds = new DeltaKeep.Bounds[models];
        keep24 = new int[models];
        weighted = new float[models];
        dareWords = new int[models][4];
        for (int m = 0; m < models; m++) {
            int at = StagedMergeKernels.DELTA_WORDS * m;
            weights[m] = Float.intBitsToFloat(words[at]);
            scales[m] = Float.intBitsToFloat(words[at + 1]);
            bounds[m] = new DeltaKeep.Bounds(words[at + 2], pack(words[at + 4], words[at + 5]), words[at + 3],
                    pack(words[at + 6], words[at + 7]));
            keep24[m] = words[at + 8];
        }
        weightSum = (float) step.weightSum();
    }

    /** Element {@code i} of the chunk. */
    float combine(MergeInputs inputs, int i) {
        float base = inputs.base()[i];
        long index = offset + i;
        if (index >>> 2 != quad) {
            quad = index >>> 2;
            for (int m = 0; m < models; m++) {
                if (keep24[m] != DeltaKeep.KEEP_ALL) {
                    DeltaKeep.dareWords(step.seed(), step.tensorIndex(), m, quad, dareWords[m]);
                }
            }
        }
        float sum = 0;
        for (int m = 0; m < models; m++) {
            float delta = inputs.models()[m][i] - base;
            boolean keep = bounds[m].keeps(DeltaKeep.key(delta), index)
                    && (keep24[m] == DeltaKeep.KEEP_ALL || DeltaKeep.dareKeeps(dareWords[m][(int) (index & 3)], keep24[m]));
            weighted[m] = keep ? weights[m] * (delta * scales[m]) : 0f;
            sum += weighted[m];
        }
        float mixed = sum;
        float divisor = weightSum;
        if (step.consensus()) {
            mixed = 0f;
            divisor = 0f;
            for (int m = 0; m < models; m++) {
                if (weighted[m] != 0f && (weighted[m] > 0f) == (sum >= 0f)) {
                    mixed += weighted[m];
                    divisor += weights[m];
                }
            }
            divisor = divisor == 0f ? 1f : divisor;
        }
        return base + step.lambda() * (step.normalize() ? mixed / divisor : mixed);
    }

    private static long pack(int low, int high) {
        return Integer.toUnsignedLong(low) | (long) high << 32;
    }
}
