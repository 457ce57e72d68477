package dev.chorus.kernels.fusion.gpu;

import dev.chorus.kernels.fusion.FusionShape;

/** The device buffers every GPU backend allocates once per {@link FusionShape}, and their sizes. */
public enum DeviceBuffer {
    /** The members' logits, laid out like the staging buffer. */
    LOGITS,
    /** Parameter words, {@link DeviceLayout#paramStride} per row. */
    PARAMS,
    /** Penalty history, {@code maxHistory} tokens per row. */
    HISTORY,
    /** The bias added to each biased row's fused scores, {@code vocabSize} floats per row. */
    BIAS,
    /** Log-sum-exp moments per (member, row, chunk). */
    MEMBER_MOMENTS,
    /** Unnormalised fused scores f per (row, token); penalised in place by the sampler. */
    FUSED,
    /** Log-sum-exp moments of f per (row, chunk). */
    FUSED_MOMENTS,
    /** Top-n candidates per (row, chunk), {@code maxTopLogprobs} each. */
    CANDIDATES,
    /** The fused log-probabilities of the history tokens before their penalty, per row. */
    PENALTY_SCRATCH,
    /** Result words, {@link DeviceLayout#resultStride} per row. */
    RESULTS,
    /** Sampled proposals to verify: (target row, draft row, token) triples, at most one per row. */
    PROPOSALS;

    /** Bytes of this buffer for {@code shape} with {@code chunks} chunks per row (never 0). */
    public long bytes(FusionShape shape, int chunks) {
        long rows = shape.maxBatch();
        long history = Math.max(1, shape.maxHistory());
        return switch (this) {
            case LOGITS -> shape.logitCount() * Float.BYTES;
            case PARAMS -> rows * DeviceLayout.paramStride(shape.members()) * Integer.BYTES;
            case HISTORY -> rows * history * Integer.BYTES;
            case BIAS -> rows * shape.vocabSize() * Float.BYTES;
            case MEMBER_MOMENTS -> shape.members() * rows * chunks * DeviceLayout.MOMENTS_BYTES;
            case FUSED -> rows * shape.vocabSize() * Float.BYTES;
            case FUSED_MOMENTS -> rows * chunks * DeviceLayout.MOMENTS_BYTES;
            case CANDIDATES -> rows * chunks * Math.max(1, shape.maxTopLogprobs()) * DeviceLayout.RANKED_BYTES;
            case PENALTY_SCRATCH -> rows * history * Float.BYTES;
            case RESULTS -> rows * DeviceLayout.resultStride(shape) * Integer.BYTES;
            case PROPOSALS -> rows * 3 * Integer.BYTES;
        };
    }
}
