package dev.chorus.kernels.fusion.gpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/** Views of driver-allocated host memory (pinned or mapped) that die with their owner. */
public final class HostMemory {

    private HostMemory() {
    }

    /**
     * A segment over a direct buffer the driver allocated, scoped to {@code arena}: once the owner closes
     * the arena (before freeing the memory), any later access fails with {@link IllegalStateException}
     * instead of touching freed memory.
     */
    public static MemorySegment view(ByteBuffer direct, Arena arena) {
        return MemorySegment.ofBuffer(direct).reinterpret(direct.capacity(), arena, null);
    }
}
