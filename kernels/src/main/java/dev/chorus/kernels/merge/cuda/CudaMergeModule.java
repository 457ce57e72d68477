package dev.chorus.kernels.merge.cuda;

import dev.chorus.kernels.device.CudaDevice;
import jcuda.CudaException;
import jcuda.driver.CUmodule;

/** {@code merge.ptx} loaded once per JVM into device 0's primary context; the failure is remembered too. */
final class CudaMergeModule {

    static final String PTX = "merge.ptx";

    private static CudaMergeModule shared;
    private static String failure;

    final CudaDevice device;
    final CUmodule module;

    private CudaMergeModule(CudaDevice device) {
        this.device = device;
        this.module = device.load(PTX);
    }

    static synchronized CudaMergeModule shared() {
        if (shared == null && failure == null) {
            try {
                shared = new CudaMergeModule(CudaDevice.open(PTX));
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
}
