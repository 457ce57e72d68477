package dev.chorus.kernels.fusion.gpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/** Views of driver-allocated host memory (pinned or mapped) that die with their owner. */
public final class HostMemory {

    private HostMemory() {
    }

    /**
     * A segment of {@code bytes} bytes starting where the direct buffer {@code start} starts, scoped to
     * {@code arena}: once the owner closes the arena (before freeing the memory), any later access fails with
     * {@link IllegalStateException} instead of touching freed memory. The drivers hand host memory over as
     * {@link ByteBuffer}s, which cannot exceed 2 GiB; the allocation behind {@code start} may, so only its start
     * address is taken from it.
     */
    public static MemorySegment view(ByteBuffer start, long bytes, Arena arena) {
        return MemorySegment.ofAddress(address(start)).reinterpret(bytes, arena, null);
    }

    /** The native address at which a direct buffer starts. */
    public static long address(ByteBuffer direct) {
        if (!direct.isDirect()) {
            throw new IllegalArgumentException("host memory of a driver is a direct buffer");
        }
        return MemorySegment.ofBuffer(direct).address();
    }
}
