package dev.chorus.kernels.merge;

/**
 * Which magnitude ranks of one model's deltas survive a magnitude sparsification: the ranks
 * {@code dropped + 1 .. dropped + kept} counted from the largest |δ| (ties ordered by index, see
 * {@link DeltaKeep}). As in mergekit, {@code kept = floor(density · n)} and {@code dropped = floor(gamma · n)}
 * (lowered so both fit in n).
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

    /** The rank whose key is the lower bound ({@code 0}: nothing is kept). */
    public long lowRank() {
        return kept == 0 ? 0 : dropped + kept;
    }

    /** The rank whose key is the upper bound ({@code 0}: no upper cut). */
    public long highRank() {
        return dropped;
    }
}
