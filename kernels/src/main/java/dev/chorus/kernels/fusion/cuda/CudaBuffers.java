package dev.chorus.kernels.fusion.cuda;

import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;

import dev.chorus.kernels.fusion.FusionShape;
import dev.chorus.kernels.fusion.gpu.DeviceBuffer;
import jcuda.driver.CUdeviceptr;

/** The {@link DeviceBuffer}s of one {@link CudaLogitFusion}, allocated in the current context when it opens. */
final class CudaBuffers implements AutoCloseable {

    private final CUdeviceptr[] buffers = new CUdeviceptr[DeviceBuffer.values().length];

    CudaBuffers(FusionShape shape, int chunks) {
        try {
            for (DeviceBuffer buffer : DeviceBuffer.values()) {
                CUdeviceptr pointer = new CUdeviceptr();
                cuMemAlloc(pointer, buffer.bytes(shape, chunks));
                buffers[buffer.ordinal()] = pointer;
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    CUdeviceptr get(DeviceBuffer buffer) {
        return buffers[buffer.ordinal()];
    }

    @Override
    public void close() {
        for (int i = 0; i < buffers.length; i++) {
            if (buffers[i] != null) {
                cuMemFree(buffers[i]);
                buffers[i] = null;
            }
        }
    }
}
