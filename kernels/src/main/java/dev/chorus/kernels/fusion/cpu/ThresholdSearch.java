package dev.chorus.kernels.fusion.cpu;

import static dev.chorus.kernels.fusion.cpu.VectorRows.LANES;
import static dev.chorus.kernels.fusion.cpu.VectorRows.SPECIES;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * The top-k and top-p thresholds without sorting. A bisection over powers of two, each step one vector
 * pass (a count or a masked sum), finds the octave {@code [2^-j, 2^-j+1)} where the running weight from
 * the top reaches the target; the row's values in that octave are gathered with a vector range test,
 * and a radix search on their bits (non-negative floats order like their int bits) settles the exact value.
 */
final class ThresholdSearch {

    /** Probabilities are ≤ 1 and ≥ the smallest subnormal, 2^-149, when they count at all. */
    private static final int SMALLEST_EXPONENT = 149;
    private static final int[] SHIFTS = {19, 8, 0};
    private static final int[] WIDTHS = {12, 11, 8};

    private final double[] bins = new double[1 << 12];
    private final int[] candidates;
    private final int[] kept;

    ThresholdSearch(int paddedVocab) {
        candidates = new int[paddedVocab];
        kept = new int[paddedVocab];
    }

    /**
     * The largest value t of {@code values[0 .. n − 1]} with {@code Σ weight_j ≥ target} over
     * {@code values_j ≥ t}, counting only {@code values_j ≥ lower}; a weight is the value itself when
     * {@code byMass}, else 1 (so target k gives the k-th largest). {@code values} is padded with zeros to
     * {@code padded}. Returns {@code lower} when every counted value together falls short of the target.
     */
    float find(float[] values, int n, int padded, float lower, double target, boolean byMass) {
        if (weightAtLeast(values, padded, Math.max(lower, Float.MIN_VALUE), byMass) < target) {
            return lower;
        }
        int short1 = -1;
        int enough = SMALLEST_EXPONENT;
        while (enough - short1 > 1) {
            int middle = (short1 + enough) >>> 1;
            if (weightAtLeast(values, padded, Math.max(lower, Math.scalb(1f, -middle)), byMass) >= target) {
                enough = middle;
            } else {
                short1 = middle;
            }
        }
        float from = Math.max(lower, Math.scalb(1f, -enough));
        float to = Math.scalb(1f, 1 - enough);
        double above = weightAtLeast(values, padded, Math.max(lower, to), byMass);
        int count = gather(values, n, from, to);
        return radix(values, count, above, target, byMass);
    }

    private static double weightAtLeast(float[] values, int padded, float threshold, boolean byMass) {
        return byMass ? VectorRows.sumAtLeast(values, 0, padded, threshold)
                : VectorRows.countAtLeast(values, padded, threshold);
    }

    /** Settles the threshold's bits among the candidates, 12, 11 and 8 bits at a time. */
    private float radix(float[] values, int count, double above, double target, boolean byMass) {
        int prefix = 0;
        for (int level = 0; level < SHIFTS.length; level++) {
            int shift = SHIFTS[level];
            int mask = (1 << WIDTHS[level]) - 1;
            Arrays.fill(bins, 0, mask + 1, 0);
            for (int c = 0; c < count; c++) {
                float v = values[candidates[c]];
                bins[(Float.floatToRawIntBits(v) >>> shift) & mask] += byMass ? v : 1;
            }
            int bin = mask;
            while (bin >= 0 && above + bins[bin] < target) {
                above += bins[bin--];
            }
            if (bin < 0) {
                // Summation order left the candidates a rounding error short: take their lowest value.
                bin = 0;
                while (bins[bin] == 0 && bin < mask) {
                    bin++;
                }
            }
            prefix |= bin << shift;
            count = narrow(values, count, prefix, shift);
        }
        return Float.intBitsToFloat(prefix);
    }

    /** Collects the indices below n whose value lies in {@code [from, to)}. */
    private int gather(float[] values, int n, float from, float to) {
        int count = 0;
        for (int i = 0; i < n; i += LANES) {
            FloatVector v = FloatVector.fromArray(SPECIES, values, i);
            VectorMask<Float> inRange = v.compare(VectorOperators.GE, from).and(v.compare(VectorOperators.LT, to));
            if (inRange.anyTrue()) {
                for (int lane = 0; lane < LANES; lane++) {
                    if (inRange.laneIsSet(lane) && i + lane < n) {
                        candidates[count++] = i + lane;
                    }
                }
            }
        }
        return count;
    }

    /** Keeps the candidates whose bits from {@code shift} up equal prefix's. */
    private int narrow(float[] values, int count, int prefix, int shift) {
        int next = 0;
        for (int c = 0; c < count; c++) {
            int index = candidates[c];
            if ((Float.floatToRawIntBits(values[index]) >>> shift) == (prefix >>> shift)) {
                kept[next++] = index;
            }
        }
        System.arraycopy(kept, 0, candidates, 0, next);
        return next;
    }
}
