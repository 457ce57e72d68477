package dev.chorus.kernels.device;

import static org.jocl.CL.clSetKernelArg;

import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;

/** Sets a kernel's arguments by position, so launchers read as the kernel's signature. */
public final class KernelArguments {

    private final cl_kernel kernel;
    private int index;

    public KernelArguments(cl_kernel kernel) {
        this.kernel = kernel;
    }

    public KernelArguments buffer(cl_mem buffer) {
        clSetKernelArg(kernel, index++, Sizeof.cl_mem, Pointer.to(buffer));
        return this;
    }

    public KernelArguments integer(int value) {
        clSetKernelArg(kernel, index++, Sizeof.cl_int, Pointer.to(new int[] {value}));
        return this;
    }

    /** A {@code long} or {@code ulong}. */
    public KernelArguments longInteger(long value) {
        clSetKernelArg(kernel, index++, Sizeof.cl_long, Pointer.to(new long[] {value}));
        return this;
    }

    public KernelArguments floating(float value) {
        clSetKernelArg(kernel, index++, Sizeof.cl_float, Pointer.to(new float[] {value}));
        return this;
    }

    /** A {@code local} array of {@code bytes} bytes. */
    public KernelArguments local(long bytes) {
        clSetKernelArg(kernel, index++, bytes, null);
        return this;
    }
}
