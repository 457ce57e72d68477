package dev.chorus.kernels.merge.cpu;

import dev.chorus.kernels.merge.DeltaKeep;
import dev.chorus.kernels.merge.MergeInputs;
import dev.chorus.kernels.merge.MergeStep;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link DeltaCombiner}'s operations a vector of elements at a time, for merges that draw no DARE mask
 * (task arithmetic, TIES, breadcrumbs): the magnitude bounds tested on the key bits and the lane indices,
 * then the same float operations in the same order. Callers finish a range's tail with {@link DeltaCombiner}.
 */
final class VectorDeltaCombiner {

    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
    private static final IntVector LANES = IntVector.zero(INTS).addIndex(1);

    private final MergeStep.DeltaMerge step;
    private final int models;
    private final long offset;
    private final DeltaCombiner scalar;
    private final FloatVector[] weighted;

    VectorDeltaCombiner(MergeStep.DeltaMerge step, int[] words, int models, long offset) {
        this.step = step;
        this.models = models;
        this.offset = offset;
        this.scalar = new DeltaCombiner(step, words, models, offset);
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
                VectorMask<Float> keep = keeps(key, scalar.bounds[m], offset + i).cast(FLOATS);
                weighted[m] = zero.blend(delta.mul(scalar.scales[m]).mul(scalar.weights[m]), keep);
                sum = sum.add(weighted[m]);
            }
            FloatVector mixed = sum;
            FloatVector divisor = FloatVector.broadcast(FLOATS, scalar.weightSum);
            if (step.consensus()) {
                VectorMask<Float> positive = sum.compare(VectorOperators.GE, 0f);
                mixed = zero;
                divisor = zero;
                for (int m = 0; m < models; m++) {
                    VectorMask<Float> agrees = weighted[m].compare(VectorOperators.NE, 0f)
                            .and(weighted[m].compare(VectorOperators.GT, 0f).eq(positive));
                    mixed = mixed.add(weighted[m], agrees);
                    divisor = divisor.add(scalar.weights[m], agrees);
                }
                divisor = divisor.blend(1f, divisor.compare(VectorOperators.EQ, 0f));
            }
            FloatVector delta = step.normalize() ? mixed.div(divisor) : mixed;
            base.add(delta.mul(step.lambda())).intoArray(out, i);
        }
        return i;
    }

    /**
     * {@link DeltaKeep.Bounds#keeps} for the lanes of elements {@code first ..}: keys are below 2^31, so the
     * {@link DeltaKeep#NO_KEY} bounds need care, and index cuts become lane counts.
     */
    private static VectorMask<Integer> keeps(IntVector key, DeltaKeep.Bounds bounds, long first) {
        VectorMask<Integer> aboveLow = bounds.low() == DeltaKeep.NO_KEY ? INTS.maskAll(false)
                : key.compare(VectorOperators.GT, bounds.low())
                        .or(key.compare(VectorOperators.EQ, bounds.low()).and(lanesBelow(bounds.lowCut(), first)));
        if (bounds.high() == DeltaKeep.NO_KEY) {
            return aboveLow;
        }
        VectorMask<Integer> belowHigh = key.compare(VectorOperators.LT, bounds.high())
                .or(key.compare(VectorOperators.EQ, bounds.high()).and(lanesBelow(bounds.highCut(), first).not()));
        return aboveLow.and(belowHigh);
    }

    /** The lanes whose element index {@code first + lane} lies below {@code cut} (unsigned). */
    private static VectorMask<Integer> lanesBelow(long cut, long first) {
        if (Long.compareUnsigned(cut, first) <= 0) {
            return INTS.maskAll(false);
        }
        long lanes = cut - first;
        return lanes >= INTS.length() || lanes < 0 ? INTS.maskAll(true) : LANES.compare(VectorOperators.LT, (int) lanes);
    }
}
