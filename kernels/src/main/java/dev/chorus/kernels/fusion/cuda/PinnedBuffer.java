package dev.chorus.kernels.fusion.cuda;

import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;

import dev.chorus.kernels.fusion.gpu.HostMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import jcuda.Pointer;

/** Page-locked host memory for asynchronous copies, seen from Java as a segment scoped to its owner's arena. */
final class PinnedBuffer {

    final Pointer pointer = new Pointer();
    final MemorySegment segment;

    PinnedBuffer(long bytes, Arena arena) {
        cuMemAllocHost(pointer, bytes);
        segment = HostMemory.view(pointer.getByteBuffer(0, 1), bytes, arena);
    }

    /** Frees the memory; the owner closes the arena first, so no segment outlives it. */
    void free() {
        cuMemFreeHost(pointer);
    }
}
