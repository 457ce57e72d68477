package dev.chorus.kernels.merge;

import dev.chorus.kernels.fusion.Philox4x32;

/**
 * The keep decision for one delta, the same on every backend: its magnitude key must lie in the model's
 * unsigned interval [low, high), and for DARE its Philox word must fall under the density. DARE draws
 * Philox4x32-10 with key (seed low, seed high) and counter (i / 4, 0, tensor index, model), taking word
 * {@code i mod 4} for element i, and keeps the element when {@code word >>> 8 < round(density · 2^24)}.
 */
public final class DeltaKeep {

    /** An interval end that no key reaches: as {@code low}, nothing is kept; as {@code high}, no upper cut. */
    public static final int NO_KEY = 0xFFFF_FFFF;
    /** {@code keep24} that keeps every element without drawing. */
    public static final int KEEP_ALL = 1 << 24;

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

    /** Whether a key lies in [low, high), unsigned. */
    public static boolean inInterval(int key, int low, int high) {
        return Integer.compareUnsigned(key, low) >= 0 && Integer.compareUnsigned(key, high) < 0;
    }

    /** Model {@code model}'s four Philox words for elements {@code 4q .. 4q+3} of a tensor, into {@code words}. */
    public static void dareWords(long seed, int tensorIndex, int model, int quad, int[] words) {
        Philox4x32.generate(quad, 0, tensorIndex, model, (int) seed, (int) (seed >>> 32), words);
    }

    /** Whether a Philox word keeps its element under {@code keep24}. */
    public static boolean dareKeeps(int word, int keep24) {
        return (word >>> 8) < keep24;
    }
}
