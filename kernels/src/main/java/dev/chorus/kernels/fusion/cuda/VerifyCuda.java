package dev.chorus.kernels.fusion.cuda;

import static dev.chorus.kernels.fusion.gpu.DeviceBuffer.*;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;

import dev.chorus.kernels.fusion.FusionShape;
import dev.chorus.kernels.fusion.gpu.DeviceLayout;
import jcuda.Pointer;
import jcuda.driver.CUfunction;
import jcuda.driver.CUstream;

/**
 * Launches {@code k_verify} of {@code sample.cu} (FUSION.md step 9): one block of {@link SampleCuda#THREADS} per
 * sampled proposal, after {@link SampleCuda}; the only code that sizes its grid and packs its arguments.
 */
final class VerifyCuda {

    private final CUfunction verify;
    private final Pointer arguments;

    VerifyCuda(CudaModules modules, FusionShape shape, CudaBuffers buffers) {
        this.verify = modules.sample("k_verify");
        arguments = Pointer.to(Pointer.to(buffers.get(FUSED)), Pointer.to(buffers.get(PARAMS)),
                Pointer.to(new int[] {DeviceLayout.paramStride(shape.members())}),
                Pointer.to(new int[] {shape.vocabSize()}), Pointer.to(buffers.get(PROPOSALS)),
                Pointer.to(buffers.get(HISTORY)), Pointer.to(new int[] {shape.maxHistory()}),
                Pointer.to(buffers.get(PENALTY_SCRATCH)), Pointer.to(buffers.get(RESULTS)),
                Pointer.to(new int[] {DeviceLayout.resultStride(shape)}));
    }

    /** Launches the kernel for the first {@code proposals} triples of the proposal buffer on {@code stream}. */
    void launch(CUstream stream, int proposals) {
        cuLaunchKernel(verify, proposals, 1, 1, SampleCuda.THREADS, 1, 1, 0, stream, arguments, null);
    }
}
