package dev.chorus.kernels.fusion.cuda;

import static dev.chorus.kernels.fusion.gpu.DeviceBuffer.*;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;

import dev.chorus.kernels.fusion.FusionShape;
import dev.chorus.kernels.fusion.gpu.DeviceLayout;
import jcuda.Pointer;
import jcuda.driver.CUfunction;
import jcuda.driver.CUstream;

/**
 * Launches {@code k_sample} of {@code sample.cu}: one block of {@link #THREADS} per sequence; the only
 * code that sizes its grid and packs its arguments.
 */
final class SampleCuda {

    /** SAMPLE_THREADS of fusion_common.cuh. */
    static final int THREADS = 1024;

    private final CUfunction sample;
    private final Pointer arguments;

    SampleCuda(CudaModules modules, FusionShape shape, CudaBuffers buffers) {
        this.sample = modules.sample("k_sample");
        arguments = Pointer.to(Pointer.to(buffers.get(FUSED)), Pointer.to(buffers.get(PARAMS)),
                Pointer.to(new int[] {DeviceLayout.paramStride(shape.members())}),
                Pointer.to(new int[] {shape.vocabSize()}), Pointer.to(new int[] {FuseLogitsCuda.chunks(shape.vocabSize())}),
                Pointer.to(buffers.get(FUSED_MOMENTS)), Pointer.to(buffers.get(CANDIDATES)),
                Pointer.to(new int[] {shape.maxTopLogprobs()}), Pointer.to(buffers.get(HISTORY)),
                Pointer.to(new int[] {shape.maxHistory()}), Pointer.to(buffers.get(PENALTY_SCRATCH)),
                Pointer.to(buffers.get(RESULTS)), Pointer.to(new int[] {DeviceLayout.resultStride(shape)}));
    }

    /** Launches the kernel for rows 0 .. rows − 1 on {@code stream}. */
    void launch(CUstream stream, int rows) {
        cuLaunchKernel(sample, rows, 1, 1, THREADS, 1, 1, 0, stream, arguments, null);
    }
}
