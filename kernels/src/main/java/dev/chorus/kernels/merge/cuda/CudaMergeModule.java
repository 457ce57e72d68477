package dev.chorus.kernels.merge.cuda;

import dev.chorus.kernels.device.CudaDevice;
import dev.chorus.kernels.device.LoadedOnce;
import jcuda.driver.CUmodule;

/** {@code merge.ptx} loaded once per JVM into device 0's primary context; the failure is remembered too. */
final class CudaMergeModule {

    static final String PTX = "merge.ptx";

    private static final LoadedOnce<CudaMergeModule> SHARED =
            new LoadedOnce<>(() -> new CudaMergeModule(CudaDevice.open(PTX)), CudaDevice::failureReason);

    final CudaDevice device;
    final CUmodule module;

    private CudaMergeModule(CudaDevice device) {
        this.device = device;
        this.module = device.load(PTX);
    }

    /** The shared module; throws {@link IllegalStateException} with the reason it cannot be loaded. */
    static CudaMergeModule shared() {
        return SHARED.get();
    }
}
