package dev.chorus.kernels.fusion.cpu;

import static dev.chorus.kernels.fusion.cpu.VectorRows.LANES;
import static dev.chorus.kernels.fusion.cpu.VectorRows.SPECIES;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * The top-k and top-p thresholds without sorting: a radix search on the bits of non-negative floats
 * (whose int bits order like the floats). One histogram pass over the row picks the 12-bit prefix bin where
 * the running weight from the top reaches the target; the row's values in that bin are gathered (a vector
 * range test) and two more small histograms settle the remaining 11 and 8 bits.
 */
final class ThresholdSearch {

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
     * {@code t ≤ values_j}, counting only {@code values_j ≥ lower}; a weight is the value itself when
     * {@code byMass}, else 1 (so target k gives the k-th largest). Returns {@code lower} when even every
     * counted value falls short of the target (rounding at the bottom of the row).
     */
    float find(float[] values, int n, float lower, double target, boolean byMass) {
        double above = 0;
        int prefix = 0;
        int count = 0;
        for (int level = 0; level < SHIFTS.length; level++) {
            int shift = SHIFTS[level];
            int mask = (1 << WIDTHS[level]) - 1;
            int width = WIDTHS[level];
            Arrays.fill(bins, 0, 1 << width, 0);
            if (level == 0) {
                for (int i = 0; i < n; i++) {
                    float v = values[i];
                    if (v >= lower) {
                        bins[Float.floatToRawIntBits(v) >>> shift] += byMass ? v : 1;
                    }
                }
            } else {
                for (int c = 0; c < count; c++) {
                    float v = values[candidates[c]];
                    bins[(Float.floatToRawIntBits(v) >>> shift) & mask] += byMass ? v : 1;
                }
            }
            int bin = (1 << width) - 1;
            while (bin >= 0 && above + bins[bin] < target) {
                above += bins[bin--];
            }
            if (bin < 0) {
                if (level == 0) {
                    return lower;
                }
                // Summation order made this level's total fall a rounding error short: take its lowest value.
                bin = 0;
                while (bins[bin] == 0 && bin < mask) {
                    bin++;
                }
            }
            prefix |= bin << shift;
            if (level == 0) {
                count = gather(values, n, lower, prefix, shift);
            } else {
                count = narrow(values, count, prefix, shift);
            }
        }
        return Float.intBitsToFloat(prefix);
    }

    /** Collects the indices below n whose value is ≥ lower and whose bits above {@code shift} equal prefix's. */
    private int gather(float[] values, int n, float lower, int prefix, int shift) {
        float from = Math.max(lower, Float.intBitsToFloat(prefix));
        float to = Float.intBitsToFloat(prefix + (1 << shift));
        int count = 0;
        for (int i = 0; i < n; i += LANES) {
            FloatVector v = FloatVector.fromArray(SPECIES, values, i);
            VectorMask<Float> inBin = v.compare(VectorOperators.GE, from).and(v.compare(VectorOperators.LT, to));
            if (inBin.anyTrue()) {
                for (int lane = 0; lane < LANES; lane++) {
                    if (inBin.laneIsSet(lane) && i + lane < n) {
                        candidates[count++] = i + lane;
                    }
                }
            }
        }
        return count;
    }

    /** Keeps the candidates whose bits above {@code shift} equal prefix's. */
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
