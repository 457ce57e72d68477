package dev.chorus.gguf.quant;

import java.lang.foreign.MemorySegment;

/**
 * Q8_0: blocks of 32 values as an f16 scale {@code d} and 32 int8 quants, value = q * d. Bit-exact with ggml's
 * {@code quantize_row_q8_0_ref} and {@code dequantize_row_q8_0}.
 */
final class Q8_0Codec implements BlockEncoder, BlockDecoder {
    static final int BLOCK = 32;
    static final int BYTES = 2 + BLOCK;

    @Override
    public void encode(float[] source, int sourceOffset, MemorySegment target, long targetOffset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            int x = sourceOffset + b * BLOCK;
            long y = targetOffset + (long) b * BYTES;
            float amax = 0.0f;
            for (int j = 0; j < BLOCK; j++) {
                amax = Math.max(amax, Math.abs(source[x + j]));
            }
            float d = amax / ((1 << 7) - 1);
            float id = d != 0.0f ? 1.0f / d : 0.0f;
            LittleEndian.putHalf(target, y, d);
            for (int j = 0; j < BLOCK; j++) {
                LittleEndian.putByte(target, y + 2 + j, Rounding.halfAwayFromZero(source[x + j] * id));
            }
        }
    }

    @Override
    public void decode(MemorySegment source, long sourceOffset, float[] target, int targetOffset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long x = sourceOffset + (long) b * BYTES;
            int y = targetOffset + b * BLOCK;
            float d = LittleEndian.half(source, x);
            for (int j = 0; j < BLOCK; j++) {
                target[y + j] = LittleEndian.signedByte(source, x + 2 + j) * d;
            }
        }
    }
}
