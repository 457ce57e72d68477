package dev.chorus.kernels.fusion.opencl;

import static org.jocl.CL.CL_MEM_READ_WRITE;
import static org.jocl.CL.clCreateBuffer;
import static org.jocl.CL.clReleaseMemObject;

import dev.chorus.kernels.fusion.FusionShape;
import dev.chorus.kernels.fusion.gpu.DeviceBuffer;
import org.jocl.cl_context;
import org.jocl.cl_mem;

/** The {@link DeviceBuffer}s of one {@link OpenClLogitFusion}, allocated when it opens. */
final class OpenClBuffers implements AutoCloseable {

    private final cl_mem[] buffers = new cl_mem[DeviceBuffer.values().length];

    OpenClBuffers(cl_context context, FusionShape shape, int chunks) {
        try {
            for (DeviceBuffer buffer : DeviceBuffer.values()) {
                buffers[buffer.ordinal()] =
                        clCreateBuffer(context, CL_MEM_READ_WRITE, buffer.bytes(shape, chunks), null, null);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    cl_mem get(DeviceBuffer buffer) {
        return buffers[buffer.ordinal()];
    }

    @Override
    public void close() {
        for (int i = 0; i < buffers.length; i++) {
            if (buffers[i] != null) {
                clReleaseMemObject(buffers[i]);
                buffers[i] = null;
            }
        }
    }
}
