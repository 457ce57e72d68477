package dev.chorus.kernels.merge;

/**
 * Which magnitude ranks of one model's deltas survive a magnitude sparsification: the ranks
 * {@code dropped + 1 .. dropped + kept} counted from the largest |δ|. As in mergekit, {@code kept =
 * floor(density · n)} and {@code dropped = floor(gamma · n)} (lowered so both fit in n).
 */
public record MagnitudeRanks(long dropped, long kept) {

    public MagnitudeRanks {
        if (dropped < 0 || kept < 0) {
            throw new IllegalArgumentException("negative ranks " + dropped + ", " + kept);
        }
    }

    public static MagnitudeRanks of(MergeStep.DeltaMerge step, int model, long length) {
        long kept = (long) Math.floor(step.densities()[model] * length);
        long dropped = step.sparsification() == Sparsification.MAGNITUDE_OUTLIERS
                ? Math.min((long) Math.floor(step.gamma() * length), length - kept) : 0;
        return new MagnitudeRanks(dropped, kept);
    }

    /**
     * The keep interval [low, high) of {@link DeltaKeep#key} values, unsigned, given {@code largest(r)}: the
     * key of the r-th largest |δ| (r from 1). Equal magnitudes on a boundary are all kept at the low end and
     * all dropped at the high end.
     */
    public int[] keyInterval(java.util.function.LongToIntFunction largest) {
        int low = kept == 0 ? DeltaKeep.NO_KEY : largest.applyAsInt(dropped + kept);
        int high = dropped == 0 ? DeltaKeep.NO_KEY : largest.applyAsInt(dropped);
        return new int[] {low, high};
    }
}
