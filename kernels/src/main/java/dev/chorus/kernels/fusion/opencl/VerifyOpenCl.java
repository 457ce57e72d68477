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
 * Launches {@code k_verify} of {@code fusion.cl} (FUSION.md step 9, the twin of {@code sample.cu}'s): one
 * work-group of {@code sampleThreads} per sampled proposal, after {@link SampleOpenCl}; the only code that sizes its
 * grid and sets its arguments.
 */
final class VerifyOpenCl implements AutoCloseable {

    private final cl_kernel verify;
    private final long[] global = new long[1];
    private final long[] local;

    VerifyOpenCl(OpenClProgram program, FusionShape shape, OpenClBuffers buffers) {
        this.local = new long[] {program.sampleThreads};
        verify = program.kernel("k_verify", program.sampleThreads);
        try {
            new KernelArguments(verify).buffer(buffers.get(FUSED)).buffer(buffers.get(PARAMS))
                    .integer(DeviceLayout.paramStride(shape.members())).integer(shape.vocabSize())
                    .buffer(buffers.get(PROPOSALS)).buffer(buffers.get(HISTORY)).integer(shape.maxHistory())
                    .buffer(buffers.get(PENALTY_SCRATCH)).buffer(buffers.get(RESULTS))
                    .integer(DeviceLayout.resultStride(shape));
        } catch (RuntimeException e) {
            clReleaseKernel(verify);
            throw e;
        }
    }

    /** Enqueues the kernel for the first {@code proposals} triples of the proposal buffer. */
    void enqueue(cl_command_queue queue, int proposals) {
        global[0] = (long) proposals * local[0];
        clEnqueueNDRangeKernel(queue, verify, 1, null, global, local, 0, null, null);
    }

    @Override
    public void close() {
        clReleaseKernel(verify);
    }
}
