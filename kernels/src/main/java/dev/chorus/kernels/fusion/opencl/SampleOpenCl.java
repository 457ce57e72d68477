package dev.chorus.kernels.fusion.opencl;

import static dev.chorus.kernels.fusion.gpu.DeviceBuffer.*;
import static org.jocl.CL.clEnqueueNDRangeKernel;
import static org.jocl.CL.clReleaseKernel;

import dev.chorus.kernels.device.KernelArguments;
import dev.chorus.kernels.fusion.FusionShape;
import dev.chorus.kernels.fusion.gpu.DeviceLayout;
import org.jocl.cl_command_queue;
import org.jocl.cl_kernel;

/**
 * Launches {@code k_sample} of {@code fusion.cl} (the OpenCL twin of {@code sample.cu}): one work-group
 * of {@code sampleThreads} per sequence; the only code that sizes its grid and sets its arguments.
 */
final class SampleOpenCl implements AutoCloseable {

    private final cl_kernel sample;
    private final long[] global = new long[1];
    private final long[] local;

    SampleOpenCl(OpenClProgram program, FusionShape shape, OpenClBuffers buffers, int chunks) {
        this.local = new long[] {program.sampleThreads};
        sample = program.kernel("k_sample", program.sampleThreads);
        try {
            new KernelArguments(sample).buffer(buffers.get(FUSED)).buffer(buffers.get(PARAMS))
                    .integer(DeviceLayout.paramStride(shape.members())).integer(shape.vocabSize()).integer(chunks)
                    .buffer(buffers.get(FUSED_MOMENTS)).buffer(buffers.get(CANDIDATES)).integer(shape.maxTopLogprobs())
                    .buffer(buffers.get(HISTORY)).integer(shape.maxHistory()).buffer(buffers.get(PENALTY_SCRATCH))
                    .buffer(buffers.get(RESULTS)).integer(DeviceLayout.resultStride(shape));
        } catch (RuntimeException e) {
            clReleaseKernel(sample);
            throw e;
        }
    }

    /** Enqueues the kernel for rows 0 .. batch − 1. */
    void enqueue(cl_command_queue queue, int rows) {
        global[0] = (long) rows * local[0];
        clEnqueueNDRangeKernel(queue, sample, 1, null, global, local, 0, null, null);
    }

    @Override
    public void close() {
        clReleaseKernel(sample);
    }
}
