package dev.chorus.kernels.fusion;

/**
 * The fixed sizes of a {@link LogitFusion} instance; every buffer is allocated for them when it opens.
 *
 * @param members        N, the members of the collaboration
 * @param maxBatch       B, the most sequences one step fuses
 * @param vocabSize      V, the shared vocabulary
 * @param maxHistory     H, the most history tokens a penalty looks at
 * @param maxTopLogprobs the most top log-probabilities a sequence may ask for, ≤ 20
 */
public record FusionShape(int members, int maxBatch, int vocabSize, int maxHistory, int maxTopLogprobs) {

    public FusionShape {
        if (members < 1 || maxBatch < 1 || vocabSize < 1) {
            throw new IllegalArgumentException("members, maxBatch and vocabSize must be ≥ 1: " + members + ", "
                    + maxBatch + ", " + vocabSize);
        }
        if (maxHistory < 0) {
            throw new IllegalArgumentException("maxHistory must be ≥ 0: " + maxHistory);
        }
        if (maxTopLogprobs < 0 || maxTopLogprobs > SamplingParams.MAX_TOP_LOGPROBS) {
            throw new IllegalArgumentException("maxTopLogprobs must be in [0, " + SamplingParams.MAX_TOP_LOGPROBS
                    + "]: " + maxTopLogprobs);
        }
        if ((long) maxBatch * maxHistory > Integer.MAX_VALUE || (long) maxBatch * vocabSize > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("maxBatch × maxHistory and maxBatch × vocabSize must fit an int array");
        }
    }

    /** The number of float32 logits in the staging buffer, {@code members × maxBatch × vocabSize}. */
    public long logitCount() {
        return (long) members * maxBatch * vocabSize;
    }

    /** The element index of logit (m, b, 0) in the staging buffer: {@code (m · maxBatch + b) · vocabSize}. */
    public long rowOffset(int member, int sequence) {
        return ((long) member * maxBatch + sequence) * vocabSize;
    }

    /** Throws {@link IllegalArgumentException} unless {@code step} and {@code result} were made for this shape. */
    public void requireFits(FusionStep step, FusionResult result) {
        if (!equals(step.shape()) || !equals(result.shape())) {
            throw new IllegalArgumentException("step " + step.shape() + " and result " + result.shape()
                    + " must both be made for " + this);
        }
    }
}
