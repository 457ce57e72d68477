package dev.chorus.engine;

/**
 * Speculative decoding of one collaboration since it started.
 *
 * @param verifications  verified proposals (one per sequence and round)
 * @param proposedTokens tokens the draft proposed
 * @param acceptedTokens proposed tokens the collaboration accepted
 */
public record SpeculationStats(long verifications, long proposedTokens, long acceptedTokens) {

    /** Accepted over proposed tokens, 0 before any proposal. */
    public double acceptanceRate() {
        return proposedTokens == 0 ? 0 : (double) acceptedTokens / proposedTokens;
    }

    /** Accepted tokens per verification, 0 before any. */
    public double meanAcceptedLength() {
        return verifications == 0 ? 0 : (double) acceptedTokens / verifications;
    }
}
