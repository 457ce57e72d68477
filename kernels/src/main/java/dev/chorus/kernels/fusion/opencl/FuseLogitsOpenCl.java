package dev.chorus.kernels.fusion.opencl;

import static dev.chorus.kernels.fusion.gpu.DeviceBuffer.*;
import static org.jocl.CL.clEnqueueNDRangeKernel;
import static org.jocl.CL.clReleaseKernel;
import static org.jocl.CL.clSetKernelArg;

import dev.chorus.kernels.device.KernelArguments;
import dev.chorus.kernels.fusion.FusionShape;
import dev.chorus.kernels.fusion.gpu.DeviceLayout;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_kernel;

/**
 * Launches {@code k_member_moments} and {@code k_fuse_combine} of {@code fusion.cl} (the OpenCL twin of
 * {@code fuse_logits.cu}): the only code that sizes their grids and sets their arguments. Work-groups of
 * {@code fuseThreads}; a chunk of {@code fuseThreads · FUSE_ITEMS} tokens per work-group; grids of
 * (chunks, members · batch) and (chunks, batch).
 */
final class FuseLogitsOpenCl implements AutoCloseable {

    private static final int BATCH_ARGUMENT = 4;

    private final cl_kernel moments;
    private final cl_kernel combine;
    private final int members;
    private final int[] batch = new int[1];
    private final Pointer batchPointer = Pointer.to(batch);
    private final long[] momentsGlobal = new long[2];
    private final long[] combineGlobal = new long[2];
    private final long[] local;

    FuseLogitsOpenCl(OpenClProgram program, FusionShape shape, OpenClBuffers buffers, int chunks) {
        this.members = shape.members();
        this.local = new long[] {program.fuseThreads, 1};
        momentsGlobal[0] = combineGlobal[0] = (long) chunks * program.fuseThreads;
        moments = program.kernel("k_member_moments", program.fuseThreads);
        cl_kernel created = null;
        try {
            created = program.kernel("k_fuse_combine", program.fuseThreads);
            int paramStride = DeviceLayout.paramStride(members);
            new KernelArguments(moments).buffer(buffers.get(LOGITS)).buffer(buffers.get(PARAMS)).integer(paramStride)
                    .integer(members).integer(1).integer(shape.maxBatch()).integer(shape.vocabSize()).integer(chunks)
                    .buffer(buffers.get(MEMBER_MOMENTS));
            new KernelArguments(created).buffer(buffers.get(LOGITS)).buffer(buffers.get(BIAS))
                    .buffer(buffers.get(PARAMS)).integer(paramStride)
                    .integer(members).integer(shape.maxBatch()).integer(shape.vocabSize()).integer(chunks)
                    .buffer(buffers.get(MEMBER_MOMENTS)).buffer(buffers.get(FUSED)).buffer(buffers.get(FUSED_MOMENTS))
                    .buffer(buffers.get(CANDIDATES)).integer(shape.maxTopLogprobs()).buffer(buffers.get(RESULTS))
                    .integer(DeviceLayout.resultStride(shape)).local(2L * members * Float.BYTES);
        } catch (RuntimeException e) {
            clReleaseKernel(moments);
            if (created != null) {
                clReleaseKernel(created);
            }
            throw e;
        }
        combine = created;
    }

    /** Enqueues both kernels for rows 0 .. batch − 1. */
    void enqueue(cl_command_queue queue, int rows) {
        batch[0] = rows;
        clSetKernelArg(moments, BATCH_ARGUMENT, Sizeof.cl_int, batchPointer);
        momentsGlobal[1] = (long) members * rows;
        clEnqueueNDRangeKernel(queue, moments, 2, null, momentsGlobal, local, 0, null, null);
        combineGlobal[1] = rows;
        clEnqueueNDRangeKernel(queue, combine, 2, null, combineGlobal, local, 0, null, null);
    }

    @Override
    public void close() {
        clReleaseKernel(moments);
        clReleaseKernel(combine);
    }
}
