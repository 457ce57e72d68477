package dev.chorus.kernels.merge;

import dev.chorus.kernels.fusion.Philox4x32;

/**
 * The keep decision for one delta, the same on every backend. Magnitude sparsification keeps the ranks of a
 * total order — larger {@code |δ|} first, and among equal magnitudes the lower element index first (a stable
 * descending sort) — so exactly {@code k} deltas survive: element {@code i} with key {@code κ} passes when
 * {@code (κ > low ∨ (κ = low ∧ i < lowCut)) ∧ (κ < high ∨ (κ = high ∧ i ≥ highCut))}, unsigned. DARE draws
 * Philox4x32-10 with key (seed low, seed high) and counter (⌊i/4⌋ low 32 bits, ⌊i/4⌋ high 32 bits, tensor
 * index, model), taking word {@code i mod 4} for element i, and keeps the element when
 * {@code word >>> 8 < round(density · 2^24)}.
 */
public final class DeltaKeep {

    /** A bound that no key reaches: as {@code low}, nothing is kept; as {@code high}, no upper cut. */
    public static final int NO_KEY = 0xFFFF_FFFF;
    /** {@code keep24} that keeps every element without drawing. */
    public static final int KEEP_ALL = 1 << 24;
    /** A cut above every index (unsigned): every element equal to the bound passes. */
    public static final long NO_CUT = -1L;

    /** One model's magnitude bounds; {@link #ALL} keeps every delta. */
    public record Bounds(int low, long lowCut, int high, long highCut) {
        public static final Bounds ALL = new Bounds(0, NO_CUT, NO_KEY, 0);

        public boolean keeps(int key, long index) {
            boolean aboveLow = Integer.compareUnsigned(key, low) > 0
                    || (key == low && Long.compareUnsigned(index, lowCut) < 0);
            boolean belowHigh = Integer.compareUnsigned(key, high) < 0
                    || (key == high && Long.compareUnsigned(index, highCut) >= 0);
            return aboveLow && belowHigh;
        }
    }

    private DeltaKeep() {
    }

    /** The magnitude key of a delta: the bits of |δ|, whose unsigned order is the order of magnitudes. */
    public static int key(float delta) {
        return Float.floatToRawIntBits(delta) & 0x7FFF_FFFF;
    }

    /** The 24-bit keep threshold of a DARE density (or {@link #KEEP_ALL} when nothing is drawn). */
    public static int keep24(MergeStep.DeltaMerge step, int model) {
        return step.sparsification() == Sparsification.RANDOM
                ? (int) Math.round(step.densities()[model] * KEEP_ALL) : KEEP_ALL;
    }

    /** Model {@code model}'s four Philox words for elements {@code 4q .. 4q+3} of a tensor, into {@code words}. */
    public static void dareWords(long seed, int tensorIndex, int model, long quad, int[] words) {
        Philox4x32.generate((int) quad, (int) (quad >>> 32), tensorIndex, model, (int) seed, (int) (seed >>> 32), words);
    }

    /** Whether a Philox word keeps its element under {@code keep24}. */
    public static boolean dareKeeps(int word, int keep24) {
        return (word >>> 8) < keep24;
    }
}
