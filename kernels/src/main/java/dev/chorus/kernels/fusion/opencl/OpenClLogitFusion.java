package dev.chorus.kernels.fusion.opencl;

import static dev.chorus.kernels.fusion.gpu.DeviceBuffer.*;
import static org.jocl.CL.*;

import dev.chorus.kernels.fusion.FusionBackend;
import dev.chorus.kernels.fusion.FusionResult;
import dev.chorus.kernels.fusion.FusionShape;
import dev.chorus.kernels.fusion.FusionStep;
import dev.chorus.kernels.fusion.LogitFusion;
import dev.chorus.kernels.fusion.gpu.DeviceLayout;
import dev.chorus.kernels.fusion.gpu.DeviceRows;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.jocl.Pointer;
import org.jocl.cl_command_queue;

/**
 * The OpenCL backend: {@code fusion.cl} on one in-order queue. Per step: the member rows, parameter words,
 * (when a row is penalised) history, (when it is biased) its bias and (when rows verify sampled proposals) the
 * proposals go up, three kernels run (four with proposals), one row of result words per sequence
 * comes back. The logits staging buffer is a mapped {@code CL_MEM_ALLOC_HOST_PTR} buffer (pinned on
 * NVIDIA); every buffer is allocated when the instance opens.
 */
final class OpenClLogitFusion implements LogitFusion {

    private final OpenClProgram program;
    private final FusionShape shape;
    private final DeviceRows rows;
    private final Arena arena = Arena.ofShared();
    private final cl_command_queue queue;
    private final OpenClBuffers buffers;
    private final OpenClStaging staging;
    private final MemorySegment params;
    private final Pointer paramsPointer;
    private final MemorySegment history;
    private final Pointer historyPointer;
    private final MemorySegment bias;
    private final Pointer biasPointer;
    private final MemorySegment results;
    private final Pointer resultsPointer;
    private final MemorySegment proposals;
    private final Pointer proposalsPointer;
    private final FuseLogitsOpenCl fuseLogits;
    private final SampleOpenCl sample;
    private final VerifyOpenCl verify;
    private boolean closed;

    @SuppressWarnings("deprecation") // clCreateCommandQueue: the OpenCL 1.2 call, which every platform has
    OpenClLogitFusion(OpenClProgram program, FusionShape shape) {
        this.program = program;
        this.shape = shape;
        this.rows = new DeviceRows(shape);
        int chunks = DeviceLayout.chunks(shape.vocabSize(), program.fuseThreads);
        queue = clCreateCommandQueue(program.context, program.device, 0, null);
        OpenClBuffers device = null;
        OpenClStaging mapped = null;
        FuseLogitsOpenCl fuse = null;
        SampleOpenCl sampling = null;
        try {
            device = new OpenClBuffers(program.context, shape, chunks);
            mapped = new OpenClStaging(program.context, queue, shape.logitCount() * Float.BYTES, arena);
            params = arena.allocate((long) shape.maxBatch() * rows.paramStride() * Integer.BYTES, Integer.BYTES);
            history = arena.allocate((long) shape.maxBatch() * Math.max(1, shape.maxHistory()) * Integer.BYTES,
                    Integer.BYTES);
            results = arena.allocate((long) shape.maxBatch() * rows.resultStride() * Integer.BYTES, Integer.BYTES);
            proposals = arena.allocate(PROPOSALS.bytes(shape, chunks), Integer.BYTES);
            bias = arena.allocate(BIAS.bytes(shape, chunks), Float.BYTES);
            fuse = new FuseLogitsOpenCl(program, shape, device, chunks);
            sampling = new SampleOpenCl(program, shape, device, chunks);
            verify = new VerifyOpenCl(program, shape, device);
        } catch (RuntimeException e) {
            // Release what was created before the failure (out of device memory, most likely).
            arena.close();
            if (sampling != null) {
                sampling.close();
            }
            if (fuse != null) {
                fuse.close();
            }
            if (mapped != null) {
                mapped.release(queue);
            }
            if (device != null) {
                device.close();
            }
            clReleaseCommandQueue(queue);
            throw e;
        }
        buffers = device;
        staging = mapped;
        fuseLogits = fuse;
        sample = sampling;
        proposalsPointer = Pointer.to(proposals.asByteBuffer());
        paramsPointer = Pointer.to(params.asByteBuffer());
        historyPointer = Pointer.to(history.asByteBuffer());
        biasPointer = Pointer.to(bias.asByteBuffer());
        resultsPointer = Pointer.to(results.asByteBuffer());
    }

    @Override
    public FusionBackend backend() {
        return FusionBackend.OPENCL;
    }

    @Override
    public String device() {
        return program.description;
    }

    @Override
    public FusionShape shape() {
        return shape;
    }

    @Override
    public MemorySegment logits() {
        requireOpen();
        return staging.segment();
    }

    @Override
    public void fuse(FusionStep step, FusionResult result) {
        requireOpen();
        shape.requireFits(step, result);
        int batch = step.batch();
        if (batch == 0) {
            return;
        }
        long rowBytes = (long) batch * shape.vocabSize() * Float.BYTES;
        long memberBytes = (long) shape.maxBatch() * shape.vocabSize() * Float.BYTES;
        step.maskContrastiveExperts(staging.segment());
        for (int m = 0; m < shape.members(); m++) {
            staging.upload(queue, buffers.get(LOGITS), m * memberBytes, rowBytes);
        }
        rows.packParams(step, params);
        clEnqueueWriteBuffer(queue, buffers.get(PARAMS), CL_FALSE, 0, (long) batch * rows.paramStride() * Integer.BYTES,
                paramsPointer, 0, null, null);
        if (rows.anyPenalised(step)) {
            rows.packHistory(step, history);
            clEnqueueWriteBuffer(queue, buffers.get(HISTORY), CL_FALSE, 0,
                    (long) batch * shape.maxHistory() * Integer.BYTES, historyPointer, 0, null, null);
        }
        int verified = rows.packProposals(step, proposals);
        if (verified > 0) {
            clEnqueueWriteBuffer(queue, buffers.get(PROPOSALS), CL_FALSE, 0, 3L * verified * Integer.BYTES,
                    proposalsPointer, 0, null, null);
        }
        rows.packBias(step, bias, (offset, length) -> clEnqueueWriteBuffer(queue, buffers.get(BIAS), CL_FALSE, offset,
                length, biasPointer.withByteOffset(offset), 0, null, null));
        fuseLogits.enqueue(queue, batch);
        sample.enqueue(queue, batch);
        if (verified > 0) {
            verify.enqueue(queue, verified);
        }
        clEnqueueReadBuffer(queue, buffers.get(RESULTS), CL_TRUE, 0, (long) batch * rows.resultStride() * Integer.BYTES,
                resultsPointer, 0, null, null);
        rows.unpack(results, staging.segment(), step, result);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        clFinish(queue);
        arena.close();
        verify.close();
        sample.close();
        fuseLogits.close();
        staging.release(queue);
        buffers.close();
        clReleaseCommandQueue(queue);
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("this OpenCL fusion is closed");
        }
    }
}
