package dev.chorus.kernels.fusion.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;

import dev.chorus.kernels.device.CudaDevice;
import jcuda.CudaException;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;

/**
 * CUDA device 0, its primary context (the one llama.cpp's CUDA backend also uses) and the fusion PTX
 * modules loaded into it, shared by every {@link CudaLogitFusion} of the JVM. Probing never throws out
 * of {@link #shared()} except as {@link IllegalStateException} with the reason: no PTX in this build,
 * no {@code libcuda.so.1}, no device, or a device older than the PTX's compute_80.
 */
final class CudaModules {

    private static CudaModules shared;
    private static String failure;

    final CUdevice device;
    final CUcontext context;
    final String description;
    private final CUmodule fuseLogits;
    private final CUmodule sample;

    private CudaModules(CudaDevice opened) {
        device = opened.device;
        context = opened.context;
        description = opened.description;
        fuseLogits = opened.load("fuse_logits.ptx");
        sample = opened.load("sample.ptx");
    }

    /** The shared modules, loaded on first use; throws {@link IllegalStateException} with the reason they cannot be. */
    static synchronized CudaModules shared() {
        if (shared == null && failure == null) {
            try {
                shared = new CudaModules(CudaDevice.open("fuse_logits.ptx", "sample.ptx"));
            } catch (LinkageError e) {
                failure = "the CUDA driver (libcuda.so.1) cannot be loaded: " + e.getMessage();
            } catch (CudaException | IllegalStateException e) {
                failure = e.getMessage();
            }
        }
        if (shared == null) {
            throw new IllegalStateException(failure);
        }
        return shared;
    }

    /** Makes the shared context current on the calling thread (any thread may drive an instance). */
    void makeCurrent() {
        cuCtxSetCurrent(context);
    }

    CUfunction fuseLogits(String name) {
        return function(fuseLogits, name);
    }

    CUfunction sample(String name) {
        return function(sample, name);
    }

    private static CUfunction function(CUmodule module, String name) {
        return CudaDevice.function(module, name);
    }
}
