package dev.chorus.kernels.merge.cpu;

import dev.chorus.kernels.merge.DeltaKeep;
import dev.chorus.kernels.merge.MergeInputs;
import dev.chorus.kernels.merge.MergeStep;
import dev.chorus.kernels.merge.StagedMergeKernels;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link DeltaCombiner}'s operations a vector of elements at a time, for merges that draw no DARE mask
 * (task arithmetic, TIES, breadcrumbs): the magnitude interval test on the key bits, then the same float
 * operations in the same order. Callers finish a range's tail with {@link DeltaCombiner}.
 */
final class VectorDeltaCombiner {

    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;

    private final MergeStep.DeltaMerge step;
    private final int models;
    private final float[] weights;
    private final float[] scales;
    private final int[] lows;
    private final int[] highs;
    private final float weightSum;
    private final FloatVector[] weighted;

    VectorDeltaCombiner(MergeStep.DeltaMerge step, int[] words, int models) {
        this.step = step;
        this.models = models;
        weights = new float[models];
        scales = new float[models];
        lows = new int[models];
        highs = new int[models];
        for (int m = 0; m < models; m++) {
            int at = StagedMergeKernels.DELTA_WORDS * m;
            weights[m] = Float.intBitsToFloat(words[at]);
            scales[m] = Float.intBitsToFloat(words[at + 1]);
            lows[m] = words[at + 2];
            highs[m] = words[at + 3];
        }
        weightSum = (float) step.weightSum();
        weighted = new FloatVector[models];
    }

    /** Whether this combiner applies: no model draws a DARE mask. */
    static boolean applies(MergeStep.DeltaMerge step, int models) {
        for (int m = 0; m < models; m++) {
            if (DeltaKeep.keep24(step, m) != DeltaKeep.KEEP_ALL) {
                return false;
            }
        }
        return FLOATS.length() == INTS.length();
    }

    /** Combines {@code [start, end)} in whole vectors into {@code out}; returns where the scalar tail starts. */
    int combine(MergeInputs inputs, int start, int end, float[] out) {
        int i = start;
        FloatVector zero = FloatVector.zero(FLOATS);
        for (; i <= end - FLOATS.length(); i += FLOATS.length()) {
            FloatVector base = FloatVector.fromArray(FLOATS, inputs.base(), i);
            FloatVector sum = zero;
            for (int m = 0; m < models; m++) {
                FloatVector delta = FloatVector.fromArray(FLOATS, inputs.models()[m], i).sub(base);
                IntVector key = delta.reinterpretAsInts().and(0x7FFF_FFFF);
                VectorMask<Float> keep = inInterval(key, lows[m], highs[m]).cast(FLOATS);
                weighted[m] = zero.blend(delta.mul(scales[m]).mul(weights[m]), keep);
                sum = sum.add(weighted[m]);
            }
            FloatVector mixed = sum;
            FloatVector divisor = FloatVector.broadcast(FLOATS, weightSum);
            if (step.consensus()) {
                VectorMask<Float> positive = sum.compare(VectorOperators.GT, 0f);
                VectorMask<Float> elected = sum.compare(VectorOperators.NE, 0f);
                mixed = zero;
                divisor = zero;
                for (int m = 0; m < models; m++) {
                    VectorMask<Float> agrees = weighted[m].compare(VectorOperators.NE, 0f).and(elected)
                            .and(weighted[m].compare(VectorOperators.GT, 0f).eq(positive));
                    mixed = mixed.add(weighted[m], agrees);
                    divisor = divisor.add(weights[m], agrees);
                }
                divisor = divisor.blend(1f, divisor.compare(VectorOperators.EQ, 0f));
            }
            FloatVector delta = step.normalize() ? mixed.div(divisor) : mixed;
            base.add(delta.mul(step.lambda())).intoArray(out, i);
        }
        return i;
    }

    /** Keys in the unsigned interval [low, high); keys are below 2^31, so only the {@link DeltaKeep#NO_KEY} ends need care. */
    private static VectorMask<Integer> inInterval(IntVector key, int low, int high) {
        VectorMask<Integer> aboveLow = low == DeltaKeep.NO_KEY ? INTS.maskAll(false) : key.compare(VectorOperators.GE, low);
        return high == DeltaKeep.NO_KEY ? aboveLow : aboveLow.and(key.compare(VectorOperators.LT, high));
    }
}
