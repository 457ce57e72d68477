package dev.chorus.kernels.fusion.opencl;

import static org.jocl.CL.*;

import dev.chorus.kernels.device.LoadedOnce;
import dev.chorus.kernels.device.OpenClDevice;
import dev.chorus.kernels.fusion.gpu.DeviceLayout;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_context;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_program;

/**
 * The OpenCL device the fusion runs on, its context and {@code fusion.cl} built for it, shared by every
 * {@link OpenClLogitFusion} of the JVM (building takes seconds; instances only add queues, buffers and
 * kernels). The device is the first GPU of any platform, else the first device of any kind.
 */
final class OpenClProgram {

    static final String SOURCE = "/dev/chorus/kernels/opencl/fusion.cl";

    /** A work-group this small could not hold one work-item per radix bin. */
    private static final int MIN_SAMPLE_THREADS = DeviceLayout.RADIX_BINS;

    private static final LoadedOnce<OpenClProgram> SHARED =
            new LoadedOnce<>(() -> new OpenClProgram(OpenClDevice.preferred()), LoadedOnce::message);

    final cl_device_id device;
    final cl_context context;
    final cl_program program;
    final String description;
    final int fuseThreads;
    final int sampleThreads;

    private OpenClProgram(OpenClDevice opened) {
        this.device = opened.device;
        this.context = opened.context;
        this.description = opened.description;
        boolean onGpu = opened.isGpu();
        long maxThreads = opened.deviceLong(CL_DEVICE_MAX_WORK_GROUP_SIZE);
        this.fuseThreads = floorPowerOfTwo(Math.min(256, maxThreads));
        this.sampleThreads = floorPowerOfTwo(Math.min(onGpu ? 1024 : MIN_SAMPLE_THREADS, maxThreads));
        if (sampleThreads < MIN_SAMPLE_THREADS) {
            throw new IllegalStateException(description + " allows work-groups of only " + maxThreads);
        }
        this.program = opened.build(SOURCE, DeviceLayout.openClDefines(fuseThreads, sampleThreads));
    }

    /** The shared program, built on first use; throws {@link IllegalStateException} with the reason it cannot be. */
    static OpenClProgram shared() {
        return SHARED.get();
    }

    /** Creates one kernel of the program and checks it runs with the work-group size the source requires. */
    cl_kernel kernel(String name, int threads) {
        cl_kernel kernel = clCreateKernel(program, name, null);
        long[] limit = new long[1];
        clGetKernelWorkGroupInfo(kernel, device, CL_KERNEL_WORK_GROUP_SIZE, Sizeof.size_t, Pointer.to(limit), null);
        if (limit[0] < threads) {
            clReleaseKernel(kernel);
            throw new IllegalStateException(name + " runs with at most " + limit[0] + " work-items on " + description
                    + ", it needs " + threads);
        }
        return kernel;
    }

    private static int floorPowerOfTwo(long value) {
        return (int) Long.highestOneBit(Math.max(1, Math.min(value, 1 << 30)));
    }
}
