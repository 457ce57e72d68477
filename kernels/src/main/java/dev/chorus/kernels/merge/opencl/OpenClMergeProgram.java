package dev.chorus.kernels.merge.opencl;

import dev.chorus.kernels.device.LoadedOnce;
import dev.chorus.kernels.device.OpenClDevice;
import org.jocl.cl_program;

/** {@code merge.cl} built once per JVM for the preferred OpenCL device; the failure is remembered too. */
final class OpenClMergeProgram {

    static final String SOURCE = "/dev/chorus/kernels/opencl/merge.cl";

    private static final LoadedOnce<OpenClMergeProgram> SHARED =
            new LoadedOnce<>(() -> new OpenClMergeProgram(OpenClDevice.preferred()), LoadedOnce::message);

    final OpenClDevice device;
    final cl_program program;

    private OpenClMergeProgram(OpenClDevice device) {
        this.device = device;
        this.program = device.build(SOURCE, "-cl-std=CL1.2");
    }

    /** The shared program; throws {@link IllegalStateException} with the reason it cannot be built. */
    static OpenClMergeProgram shared() {
        return SHARED.get();
    }
}
