package dev.chorus.gguf.quant;

import java.lang.foreign.MemorySegment;

/** Encodes floats into one ggml type's blocks. Callers pass whole blocks and have checked every bound. */
interface BlockEncoder {
    void encode(float[] source, int sourceOffset, MemorySegment target, long targetOffset, int blocks);
}
