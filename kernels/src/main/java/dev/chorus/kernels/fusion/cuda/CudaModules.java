package dev.chorus.kernels.fusion.cuda;

import dev.chorus.kernels.device.CudaDevice;
import dev.chorus.kernels.device.LoadedOnce;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;

/**
 * {@code fuse_logits.ptx} and {@code sample.ptx} loaded once per JVM into device 0's primary context (the
 * one llama.cpp's CUDA backend also uses), shared by every {@link CudaLogitFusion}. The failure is
 * remembered too: no PTX in this build, no {@code libcuda.so.1}, no device, or one older than compute_80.
 */
final class CudaModules {

    private static final String FUSE_LOGITS = "fuse_logits.ptx";
    private static final String SAMPLE = "sample.ptx";

    private static final LoadedOnce<CudaModules> SHARED =
            new LoadedOnce<>(() -> new CudaModules(CudaDevice.open(FUSE_LOGITS, SAMPLE)), CudaDevice::failureReason);

    final String description;
    private final CudaDevice device;
    private final CUmodule fuseLogits;
    private final CUmodule sample;

    private CudaModules(CudaDevice device) {
        this.device = device;
        this.description = device.description;
        this.fuseLogits = device.load(FUSE_LOGITS);
        this.sample = device.load(SAMPLE);
    }

    /** The shared modules, loaded on first use; throws {@link IllegalStateException} with the reason they cannot be. */
    static CudaModules shared() {
        return SHARED.get();
    }

    /** Makes the shared context current on the calling thread (any thread may drive an instance). */
    void makeCurrent() {
        device.makeCurrent();
    }

    CUfunction fuseLogits(String name) {
        return CudaDevice.function(fuseLogits, name);
    }

    CUfunction sample(String name) {
        return CudaDevice.function(sample, name);
    }
}
