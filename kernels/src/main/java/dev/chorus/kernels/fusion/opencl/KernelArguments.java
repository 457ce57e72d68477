package dev.chorus.kernels.fusion.opencl;

import static org.jocl.CL.clSetKernelArg;

import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;

/** Sets a kernel's arguments by position, so launchers read as the kernel's signature. */
final class KernelArguments {

    private final cl_kernel kernel;
    private int index;

    KernelArguments(cl_kernel kernel) {
        this.kernel = kernel;
    }

    KernelArguments buffer(cl_mem buffer) {
        clSetKernelArg(kernel, index++, Sizeof.cl_mem, Pointer.to(buffer));
        return this;
    }

    KernelArguments integer(int value) {
        clSetKernelArg(kernel, index++, Sizeof.cl_int, Pointer.to(new int[] {value}));
        return this;
    }

    /** A {@code __local} array of {@code bytes} bytes. */
    KernelArguments local(long bytes) {
        clSetKernelArg(kernel, index++, bytes, null);
        return this;
    }
}
