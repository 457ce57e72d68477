package dev.chorus.kernels.merge.opencl;

import static org.jocl.CL.CL_MEM_READ_WRITE;
import static org.jocl.CL.clCreateBuffer;
import static org.jocl.CL.clReleaseMemObject;

import org.jocl.Sizeof;
import org.jocl.cl_context;
import org.jocl.cl_mem;

/**
 * The buffers of one {@link OpenClMergeKernels}, each grown (never shrunk) to the largest request. Sizes
 * are in 4-byte words; asking for 0 returns the current buffer.
 */
final class DeviceArrays implements AutoCloseable {

    private enum Role { MODELS, BASE, OUT, SCRATCH, PARAMETERS }

    private final cl_context context;
    private final cl_mem[] buffers = new cl_mem[Role.values().length];
    private final long[] capacities = new long[Role.values().length];

    DeviceArrays(cl_context context) {
        this.context = context;
    }

    cl_mem models(long words) {
        return get(Role.MODELS, words);
    }

    cl_mem base(long words) {
        return get(Role.BASE, words);
    }

    cl_mem out(long words) {
        return get(Role.OUT, words);
    }

    cl_mem scratch(long words) {
        return get(Role.SCRATCH, words);
    }

    cl_mem parameters(long words) {
        return get(Role.PARAMETERS, words);
    }

    private cl_mem get(Role role, long words) {
        int at = role.ordinal();
        if (buffers[at] == null || capacities[at] < words) {
            if (buffers[at] != null) {
                clReleaseMemObject(buffers[at]);
                buffers[at] = null;
            }
            long capacity = Math.max(words, 1);
            buffers[at] = clCreateBuffer(context, CL_MEM_READ_WRITE, capacity * Sizeof.cl_float, null, null);
            capacities[at] = capacity;
        }
        return buffers[at];
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
