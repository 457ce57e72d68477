package dev.chorus.kernels.fusion.cuda;

import static dev.chorus.kernels.fusion.gpu.DeviceBuffer.*;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;

import dev.chorus.kernels.fusion.FusionShape;
import dev.chorus.kernels.fusion.gpu.DeviceLayout;
import jcuda.Pointer;
import jcuda.driver.CUfunction;
import jcuda.driver.CUstream;

/**
 * Launches {@code k_member_moments} and {@code k_fuse_combine} of {@code fuse_logits.cu}: the only code
 * that sizes their grids and packs their arguments. Blocks of {@link #THREADS}, each owning a chunk of
 * {@code THREADS · FUSE_ITEMS} tokens of a row; grids (chunks, members · batch) and (chunks, batch).
 */
final class FuseLogitsCuda {

    /** FUSE_THREADS of fusion_common.cuh. */
    static final int THREADS = 256;
    private static final int MAX_GRID_Y = 65_535;

    private final CUfunction moments;
    private final CUfunction combine;
    private final int members;
    private final int chunks;
    private final int[] batch = {0};
    private final Pointer momentsArguments;
    private final Pointer combineArguments;
    private final int combineSharedBytes;

    FuseLogitsCuda(CudaModules modules, FusionShape shape, CudaBuffers buffers) {
        if ((long) shape.members() * shape.maxBatch() > MAX_GRID_Y) {
            throw new IllegalArgumentException("members × maxBatch must be ≤ " + MAX_GRID_Y + " on CUDA: " + shape);
        }
        this.members = shape.members();
        this.chunks = chunks(shape.vocabSize());
        this.moments = modules.fuseLogits("k_member_moments");
        this.combine = modules.fuseLogits("k_fuse_combine");
        int[] paramStride = {DeviceLayout.paramStride(members)};
        int[] memberCount = {members};
        int[] maxBatch = {shape.maxBatch()};
        int[] vocab = {shape.vocabSize()};
        int[] chunkCount = {chunks};
        momentsArguments = Pointer.to(Pointer.to(buffers.get(LOGITS)), Pointer.to(buffers.get(PARAMS)),
                Pointer.to(paramStride), Pointer.to(memberCount), Pointer.to(batch), Pointer.to(maxBatch),
                Pointer.to(vocab), Pointer.to(chunkCount), Pointer.to(buffers.get(MEMBER_MOMENTS)));
        combineArguments = Pointer.to(Pointer.to(buffers.get(LOGITS)), Pointer.to(buffers.get(BIAS)),
                Pointer.to(buffers.get(PARAMS)),
                Pointer.to(paramStride), Pointer.to(memberCount), Pointer.to(maxBatch), Pointer.to(vocab),
                Pointer.to(chunkCount), Pointer.to(buffers.get(MEMBER_MOMENTS)), Pointer.to(buffers.get(FUSED)),
                Pointer.to(buffers.get(FUSED_MOMENTS)), Pointer.to(buffers.get(CANDIDATES)),
                Pointer.to(new int[] {shape.maxTopLogprobs()}), Pointer.to(buffers.get(RESULTS)),
                Pointer.to(new int[] {DeviceLayout.resultStride(shape)}));
        combineSharedBytes = 2 * members * Float.BYTES;
    }

    /** The chunks per vocabulary row. */
    static int chunks(int vocab) {
        return DeviceLayout.chunks(vocab, THREADS);
    }

    /** Launches both kernels for rows 0 .. rows − 1 on {@code stream}. */
    void launch(CUstream stream, int rows) {
        batch[0] = rows;
        cuLaunchKernel(moments, chunks, members * rows, 1, THREADS, 1, 1, 0, stream, momentsArguments, null);
        cuLaunchKernel(combine, chunks, rows, 1, THREADS, 1, 1, combineSharedBytes, stream, combineArguments, null);
    }
}
