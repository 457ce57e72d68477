import dev.chorus.kernels.fusion.LogitFusionFactory;
import dev.chorus.kernels.merge.MergeKernelsFactory;

/**
 * Logit fusion, sampling and merge kernels behind two interfaces ({@code LogitFusion}, {@code MergeKernels}). The
 * backends (Java Vector API, OpenCL through JOCL, CUDA through JCuda) and their device layer are not exported: they
 * are found as services, and only they touch device memory and native addresses.
 */
module chorus.kernels {
    requires jdk.incubator.vector;
    requires jocl;
    requires jcuda;

    exports dev.chorus.kernels.fusion;
    exports dev.chorus.kernels.merge;

    uses LogitFusionFactory;
    uses MergeKernelsFactory;

    provides LogitFusionFactory with
            dev.chorus.kernels.fusion.cpu.JavaLogitFusionFactory,
            dev.chorus.kernels.fusion.cuda.CudaLogitFusionFactory,
            dev.chorus.kernels.fusion.opencl.OpenClLogitFusionFactory;
    provides MergeKernelsFactory with
            dev.chorus.kernels.merge.cpu.JavaMergeKernelsFactory,
            dev.chorus.kernels.merge.cuda.CudaMergeKernelsFactory,
            dev.chorus.kernels.merge.opencl.OpenClMergeKernelsFactory;
}
