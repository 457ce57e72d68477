package dev.chorus.kernels.fusion.cpu;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector passes over one vocabulary row. Scratch rows are padded to a whole number of vectors; reads
 * from the logits segment mask the last partial vector and fill it with {@code −∞}, a logit every pass
 * treats as an impossible token, so the padding never changes a sum, a max or a choice.
 */
final class VectorRows {

    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    static final int LANES = SPECIES.length();
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    /** Floats summed in float lanes before the partial sum moves to a double, bounding rounding error. */
    private static final int CHUNK = 2048;
    private static final float NEG_INF = Float.NEGATIVE_INFINITY;

    private VectorRows() {
    }

    /** The padded length of a row of n floats. */
    static int padded(int n) {
        return (n + LANES - 1) / LANES * LANES;
    }

    /** Floats {@code i .. i + LANES − 1} of the row at byte {@code base}, {@code −∞} past n. */
    static FloatVector load(MemorySegment segment, long base, int i, int n) {
        if (i + LANES <= n) {
            return FloatVector.fromMemorySegment(SPECIES, segment, base + (long) i * Float.BYTES, ORDER);
        }
        VectorMask<Float> inRange = SPECIES.indexInRange(i, n);
        return FloatVector.fromMemorySegment(SPECIES, segment, base + (long) i * Float.BYTES, ORDER, inRange)
                .blend(NEG_INF, inRange.not());
    }

    /** The max of n logits at byte {@code base}, NaN if any is NaN (Java's max). */
    static float max(MemorySegment segment, long base, int n) {
        // Four independent accumulators: one would serialise on the max's latency.
        FloatVector max0 = FloatVector.broadcast(SPECIES, NEG_INF);
        FloatVector max1 = max0;
        FloatVector max2 = max0;
        FloatVector max3 = max0;
        int i = 0;
        for (; i + 4 * LANES <= n; i += 4 * LANES) {
            long at = base + (long) i * Float.BYTES;
            max0 = max0.max(FloatVector.fromMemorySegment(SPECIES, segment, at, ORDER));
            max1 = max1.max(FloatVector.fromMemorySegment(SPECIES, segment, at + LANES * Float.BYTES, ORDER));
            max2 = max2.max(FloatVector.fromMemorySegment(SPECIES, segment, at + 2 * LANES * Float.BYTES, ORDER));
            max3 = max3.max(FloatVector.fromMemorySegment(SPECIES, segment, at + 3 * LANES * Float.BYTES, ORDER));
        }
        for (; i < n; i += LANES) {
            max0 = max0.max(load(segment, base, i, n));
        }
        return max0.max(max1).max(max2.max(max3)).reduceLanes(VectorOperators.MAX);
    }

    /** The max of a padded scratch row. */
    static float max(float[] row, int n) {
        FloatVector max0 = FloatVector.broadcast(SPECIES, NEG_INF);
        FloatVector max1 = max0;
        FloatVector max2 = max0;
        FloatVector max3 = max0;
        int i = 0;
        for (; i + 4 * LANES <= n; i += 4 * LANES) {
            max0 = max0.max(FloatVector.fromArray(SPECIES, row, i));
            max1 = max1.max(FloatVector.fromArray(SPECIES, row, i + LANES));
            max2 = max2.max(FloatVector.fromArray(SPECIES, row, i + 2 * LANES));
            max3 = max3.max(FloatVector.fromArray(SPECIES, row, i + 3 * LANES));
        }
        for (; i < n; i += LANES) {
            max0 = max0.max(FloatVector.fromArray(SPECIES, row, i));
        }
        return max0.max(max1).max(max2.max(max3)).reduceLanes(VectorOperators.MAX);
    }

    /** Adds {@code addend[0 .. n)} to a padded scratch row, in one pass that also returns the row's max. */
    static float addAndMax(float[] row, float[] addend, int n) {
        FloatVector max = FloatVector.broadcast(SPECIES, NEG_INF);
        int i = 0;
        for (; i + LANES <= n; i += LANES) {
            FloatVector sum = FloatVector.fromArray(SPECIES, row, i).add(FloatVector.fromArray(SPECIES, addend, i));
            sum.intoArray(row, i);
            max = max.max(sum);
        }
        if (i < n) {
            // Masked lanes of the addend read as 0, so the padding stays −∞.
            FloatVector sum = FloatVector.fromArray(SPECIES, row, i)
                    .add(FloatVector.fromArray(SPECIES, addend, i, SPECIES.indexInRange(i, n)));
            sum.intoArray(row, i);
            max = max.max(sum);
        }
        return max.reduceLanes(VectorOperators.MAX);
    }

    /** The first index below n whose value equals {@code value}, or −1. */
    static int indexOf(float[] row, int n, float value) {
        for (int i = 0; i < n; i += LANES) {
            VectorMask<Float> hit = FloatVector.fromArray(SPECIES, row, i).compare(VectorOperators.EQ, value);
            if (hit.anyTrue()) {
                int index = i + hit.firstTrue();
                return index < n ? index : -1;
            }
        }
        return -1;
    }

    /**
     * One member's softmax statistics: with {@code d_i = z_i · invT − shift} (shift = the tempered max),
     * returns {@code Σ exp(d_i)} and writes {@code Σ exp(d_i) · d_i} to {@code sums[1]}.
     */
    static double expStatistics(MemorySegment segment, long base, int n, float invT, float shift, double[] sums) {
        FloatVector floor = FloatVector.broadcast(SPECIES, -Float.MAX_VALUE);
        double sum = 0;
        double weighted = 0;
        for (int start = 0; start < n; start += CHUNK) {
            int end = Math.min(n, start + CHUNK);
            FloatVector partial = FloatVector.zero(SPECIES);
            FloatVector partialWeighted = FloatVector.zero(SPECIES);
            for (int i = start; i < end; i += LANES) {
                FloatVector d = load(segment, base, i, n).mul(invT).sub(shift);
                FloatVector e = d.lanewise(VectorOperators.EXP);
                partial = partial.add(e);
                // exp(−∞) · −∞ would be NaN; the floor makes an impossible token contribute 0.
                partialWeighted = e.fma(d.max(floor), partialWeighted);
            }
            sum += partial.reduceLanes(VectorOperators.ADD);
            weighted += partialWeighted.reduceLanes(VectorOperators.ADD);
        }
        sums[0] = sum;
        sums[1] = weighted;
        return sum;
    }

    /** {@code Σ exp((row_i − shift) · scale)} over a padded row, storing each term in {@code store} if given. */
    static double expSum(float[] row, int n, float shift, float scale, float[] store) {
        double sum = 0;
        for (int start = 0; start < n; start += CHUNK) {
            int end = Math.min(n, start + CHUNK);
            FloatVector partial = FloatVector.zero(SPECIES);
            for (int i = start; i < end; i += LANES) {
                FloatVector e = FloatVector.fromArray(SPECIES, row, i).sub(shift).mul(scale)
                        .lanewise(VectorOperators.EXP);
                if (store != null) {
                    e.intoArray(store, i);
                }
                partial = partial.add(e);
            }
            sum += partial.reduceLanes(VectorOperators.ADD);
        }
        return sum;
    }

    /** {@code Σ row_i} over {@code row_i ≥ threshold} for i in [from, to), both multiples of LANES or to = padded n. */
    static double sumAtLeast(float[] row, int from, int to, float threshold) {
        double sum = 0;
        for (int start = from; start < to; start += CHUNK) {
            int end = Math.min(to, start + CHUNK);
            FloatVector partial = FloatVector.zero(SPECIES);
            for (int i = start; i < end; i += LANES) {
                FloatVector v = FloatVector.fromArray(SPECIES, row, i);
                partial = partial.add(v, v.compare(VectorOperators.GE, threshold));
            }
            sum += partial.reduceLanes(VectorOperators.ADD);
        }
        return sum;
    }

    /** How many of a zero-padded row's values are ≥ threshold (> 0, so the padding never counts). */
    static int countAtLeast(float[] row, int padded, float threshold) {
        int count = 0;
        for (int i = 0; i < padded; i += LANES) {
            count += FloatVector.fromArray(SPECIES, row, i).compare(VectorOperators.GE, threshold).trueCount();
        }
        return count;
    }

    /**
     * Mixture (or max) of member probabilities: {@code out_i = log Σ_k coefficient_k · exp(z_k,i · invT_k − shift_k)}
     * ({@code max_k} when {@code max}); returns {@code Σ_i} of the mixture before the log. Recomputing the
     * exponentials is cheaper than storing them in the statistics pass and reading them back.
     */
    static double mixLog(MemorySegment segment, long[] bases, int[] active, float[] coefficients, float[] invT,
                         float[] shifts, int count, int n, boolean max, float[] out) {
        double sum = 0;
        for (int start = 0; start < n; start += CHUNK) {
            int end = Math.min(n, start + CHUNK);
            FloatVector partial = FloatVector.zero(SPECIES);
            for (int i = start; i < end; i += LANES) {
                FloatVector mix = FloatVector.zero(SPECIES);
                for (int k = 0; k < count; k++) {
                    FloatVector term = load(segment, bases[active[k]], i, n).mul(invT[k]).sub(shifts[k])
                            .lanewise(VectorOperators.EXP).mul(coefficients[k]);
                    mix = max ? mix.max(term) : mix.add(term);
                }
                partial = partial.add(mix);
                mix.lanewise(VectorOperators.LOG).intoArray(out, i);
            }
            sum += partial.reduceLanes(VectorOperators.ADD);
        }
        return sum;
    }

    /**
     * Weighted sum of tempered, shifted member logits: {@code out_i = Σ_k weight_k · (z_k,i · invT_k − shift_k)},
     * {@code −∞} where any active member's logit is {@code −∞}; returns the row's max.
     */
    static float weightedSum(MemorySegment segment, long[] bases, int[] active, float[] weights, float[] invT,
                             float[] shifts, int count, int n, float[] out) {
        FloatVector max = FloatVector.broadcast(SPECIES, NEG_INF);
        for (int i = 0; i < n; i += LANES) {
            FloatVector acc = FloatVector.zero(SPECIES);
            VectorMask<Float> impossible = SPECIES.maskAll(false);
            for (int k = 0; k < count; k++) {
                FloatVector z = load(segment, bases[active[k]], i, n);
                impossible = impossible.or(z.compare(VectorOperators.EQ, NEG_INF));
                acc = acc.add(z.mul(invT[k]).sub(shifts[k]).mul(weights[k]));
            }
            acc = acc.blend(NEG_INF, impossible);
            acc.intoArray(out, i);
            max = max.max(acc);
        }
        return max.reduceLanes(VectorOperators.MAX);
    }

    /**
     * Contrastive scores: {@code lp0 − λ · max(lp1, floor)} where the expert's {@code z0 · invT0 − max0 ≥ logAlpha},
     * {@code −∞} elsewhere, with {@code lp_m = z_m · invT_m − lse_m}; returns the row's max.
     */
    static float contrastive(MemorySegment segment, long expert, long amateur, float[] invT, float expertMax,
                             float[] lse, float logAlpha, float lambda, float floor, int n, float[] out) {
        FloatVector max = FloatVector.broadcast(SPECIES, NEG_INF);
        for (int i = 0; i < n; i += LANES) {
            FloatVector s0 = load(segment, expert, i, n).mul(invT[0]);
            VectorMask<Float> plausible = s0.sub(expertMax).compare(VectorOperators.GE, logAlpha);
            FloatVector lp1 = load(segment, amateur, i, n).mul(invT[1]).sub(lse[1]).max(floor);
            FloatVector f = s0.sub(lse[0]).sub(lp1.mul(lambda)).blend(NEG_INF, plausible.not());
            f.intoArray(out, i);
            max = max.max(f);
        }
        return max.reduceLanes(VectorOperators.MAX);
    }
}
