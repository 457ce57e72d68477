package dev.chorus.gguf.quant;

import java.lang.foreign.MemorySegment;

/** Decodes one ggml type's blocks to floats. Callers pass whole blocks and have checked every bound. */
interface BlockDecoder {
    void decode(MemorySegment source, long sourceOffset, float[] target, int targetOffset, int blocks);
}
