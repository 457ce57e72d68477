package dev.chorus.kernels.fusion;

import java.lang.foreign.MemorySegment;

/**
 * One backend instance of the per-step logit fusion defined in {@code kernels/FUSION.md}: per-member
 * temperature and log-softmax, the {@link FusionMethod} combination, normalisation, penalties, sampling
 * temperature, top-k / top-p / min-p, Philox4x32-10 sampling, and the outputs of {@link FusionResult}.
 * All buffers are allocated when the instance opens for its {@link #shape()}; {@link #fuse} allocates none.
 * Instances are not thread-safe: one caller drives one instance.
 */
public interface LogitFusion extends AutoCloseable {

    FusionBackend backend();

    /** The device that runs the kernels, in words (GPU or CPU model). */
    String device();

    FusionShape shape();

    /**
     * The host staging buffer (pinned on CUDA): {@code members × maxBatch × vocabSize} float32, element
     * (m, b, i) at index {@code (m · maxBatch + b) · V + i} (see {@link FusionShape#rowOffset}). The caller
     * writes rows {@code 0 .. step.batch() − 1} of every member, then calls {@link #fuse}, which may set the
     * expert's logits of a biased contrastive row's masked tokens to {@code −∞} here
     * ({@link FusionStep#maskContrastiveExperts}).
     */
    MemorySegment logits();

    /**
     * Fuses, filters and samples every row of {@code step} from {@link #logits()} into {@code result}.
     *
     * @throws FusionInputException     NaN or {@code +∞} logits, an all-{@code −∞} member row, or a fused
     *                                  distribution with no finite entry
     * @throws IllegalArgumentException a step or result made for another shape
     */
    void fuse(FusionStep step, FusionResult result);

    /** Frees every buffer; idempotent. */
    @Override
    void close();
}
