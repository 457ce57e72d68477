package dev.chorus.kernels.fusion.cuda;

import static dev.chorus.kernels.fusion.gpu.DeviceBuffer.*;
import static jcuda.driver.JCudaDriver.*;

import dev.chorus.kernels.fusion.FusionBackend;
import dev.chorus.kernels.fusion.FusionResult;
import dev.chorus.kernels.fusion.FusionShape;
import dev.chorus.kernels.fusion.FusionStep;
import dev.chorus.kernels.fusion.LogitFusion;
import dev.chorus.kernels.fusion.gpu.DeviceRows;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;

/**
 * The CUDA backend: {@code fuse_logits.cu} and {@code sample.cu} on one non-blocking stream. Per step the
 * member rows go up from the pinned staging buffer, with the parameter words, (when a row is
 * penalised) the history, (when it is biased) its bias and (when rows verify sampled proposals) the
 * proposals, three kernels run (four with proposals), and one row of result words per sequence comes back — all
 * asynchronous copies from and to pinned memory, one synchronisation. Every buffer is allocated when the
 * instance opens; launch errors surface as {@link jcuda.CudaException} at the launch, kernel faults at the
 * synchronisation.
 */
final class CudaLogitFusion implements LogitFusion {

    private final CudaModules modules;
    private final FusionShape shape;
    private final DeviceRows rows;
    private final Arena arena = Arena.ofShared();
    private final CUstream stream = new CUstream();
    private final CudaBuffers buffers;
    private final PinnedBuffer staging;
    private final PinnedBuffer params;
    private final PinnedBuffer history;
    private final PinnedBuffer bias;
    private final PinnedBuffer results;
    private final PinnedBuffer proposals;
    private final List<PinnedBuffer> pinned = new ArrayList<>();
    private final Pointer[] memberRows;
    private final CUdeviceptr[] memberDeviceRows;
    private final FuseLogitsCuda fuseLogits;
    private final SampleCuda sample;
    private final VerifyCuda verify;
    private boolean closed;

    CudaLogitFusion(CudaModules modules, FusionShape shape) {
        this.modules = modules;
        this.shape = shape;
        this.rows = new DeviceRows(shape);
        modules.makeCurrent();
        int chunks = FuseLogitsCuda.chunks(shape.vocabSize());
        CudaBuffers device = null;
        boolean streamCreated = false;
        try {
            cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING);
            streamCreated = true;
            device = new CudaBuffers(shape, chunks);
            staging = pin(LOGITS.bytes(shape, chunks));
            params = pin(PARAMS.bytes(shape, chunks));
            history = pin(HISTORY.bytes(shape, chunks));
            bias = pin(BIAS.bytes(shape, chunks));
            results = pin(RESULTS.bytes(shape, chunks));
            proposals = pin(PROPOSALS.bytes(shape, chunks));
            fuseLogits = new FuseLogitsCuda(modules, shape, device);
            sample = new SampleCuda(modules, shape, device);
            verify = new VerifyCuda(modules, shape, device);
        } catch (RuntimeException e) {
            // Free what was allocated before the failure (out of memory, most likely).
            releaseHost();
            if (device != null) {
                device.close();
            }
            if (streamCreated) {
                cuStreamDestroy(stream);
            }
            throw e;
        }
        buffers = device;
        long memberBytes = memberBytes(shape.maxBatch());
        memberRows = new Pointer[shape.members()];
        memberDeviceRows = new CUdeviceptr[shape.members()];
        for (int m = 0; m < memberRows.length; m++) {
            memberRows[m] = staging.pointer.withByteOffset(m * memberBytes);
            memberDeviceRows[m] = buffers.get(LOGITS).withByteOffset(m * memberBytes);
        }
    }

    @Override
    public FusionBackend backend() {
        return FusionBackend.CUDA;
    }

    @Override
    public String device() {
        return modules.description;
    }

    @Override
    public FusionShape shape() {
        return shape;
    }

    @Override
    public MemorySegment logits() {
        requireOpen();
        return staging.segment;
    }

    @Override
    public void fuse(FusionStep step, FusionResult result) {
        requireOpen();
        shape.requireFits(step, result);
        int batch = step.batch();
        if (batch == 0) {
            return;
        }
        modules.makeCurrent();
        step.maskContrastiveExperts(staging.segment);
        for (int m = 0; m < memberRows.length; m++) {
            cuMemcpyHtoDAsync(memberDeviceRows[m], memberRows[m], memberBytes(batch), stream);
        }
        rows.packParams(step, params.segment);
        cuMemcpyHtoDAsync(buffers.get(PARAMS), params.pointer, (long) batch * rows.paramStride() * Integer.BYTES,
                stream);
        if (rows.anyPenalised(step)) {
            rows.packHistory(step, history.segment);
            cuMemcpyHtoDAsync(buffers.get(HISTORY), history.pointer, (long) batch * shape.maxHistory() * Integer.BYTES,
                    stream);
        }
        int verified = rows.packProposals(step, proposals.segment);
        if (verified > 0) {
            cuMemcpyHtoDAsync(buffers.get(PROPOSALS), proposals.pointer, 3L * verified * Integer.BYTES, stream);
        }
        rows.packBias(step, bias.segment, (offset, length) -> cuMemcpyHtoDAsync(buffers.get(BIAS).withByteOffset(offset),
                bias.pointer.withByteOffset(offset), length, stream));
        fuseLogits.launch(stream, batch);
        sample.launch(stream, batch);
        if (verified > 0) {
            verify.launch(stream, verified);
        }
        cuMemcpyDtoHAsync(results.pointer, buffers.get(RESULTS), (long) batch * rows.resultStride() * Integer.BYTES,
                stream);
        cuStreamSynchronize(stream);
        rows.unpack(results.segment, staging.segment, step, result);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        modules.makeCurrent();
        cuStreamSynchronize(stream);
        releaseHost();
        buffers.close();
        cuStreamDestroy(stream);
    }

    private PinnedBuffer pin(long bytes) {
        PinnedBuffer buffer = new PinnedBuffer(bytes, arena);
        pinned.add(buffer);
        return buffer;
    }

    /** Closes the arena (so no view of pinned memory outlives it), then frees the pinned memory. */
    private void releaseHost() {
        arena.close();
        pinned.forEach(PinnedBuffer::free);
        pinned.clear();
    }

    private long memberBytes(int batch) {
        return (long) batch * shape.vocabSize() * Float.BYTES;
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("this CUDA fusion is closed");
        }
    }
}
