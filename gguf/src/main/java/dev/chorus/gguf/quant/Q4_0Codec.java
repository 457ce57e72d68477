package dev.chorus.gguf.quant;

import java.lang.foreign.MemorySegment;

/**
 * Q4_0: blocks of 32 values as an f16 scale {@code d} and 16 bytes of 4-bit quants (element j in the low nibble of
 * byte j, element j + 16 in its high nibble), value = (q - 8) * d. Bit-exact with ggml's
 * {@code quantize_row_q4_0_ref} and {@code dequantize_row_q4_0}.
 */
final class Q4_0Codec implements BlockEncoder, BlockDecoder {
    static final int BLOCK = 32;
    static final int BYTES = 2 + BLOCK / 2;

    @Override
    public void encode(float[] source, int sourceOffset, MemorySegment target, long targetOffset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            int x = sourceOffset + b * BLOCK;
            long y = targetOffset + (long) b * BYTES;
            // The signed value of largest magnitude maps to -8, so the full range [-8, 7] is used.
            float amax = 0.0f;
            float max = 0.0f;
            for (int j = 0; j < BLOCK; j++) {
                float v = source[x + j];
                if (amax < Math.abs(v)) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            float d = max / -8;
            float id = d != 0.0f ? 1.0f / d : 0.0f;
            LittleEndian.putHalf(target, y, d);
            for (int j = 0; j < BLOCK / 2; j++) {
                int low = nibble(source[x + j] * id);
                int high = nibble(source[x + BLOCK / 2 + j] * id);
                LittleEndian.putByte(target, y + 2 + j, low | high << 4);
            }
        }
    }

    /** C's {@code MIN(15, (int8_t)(x + 8.5f))}: the shifted value truncated toward zero, at most 15. */
    private static int nibble(float scaled) {
        return Math.min(15, (int) (scaled + 8.5f));
    }

    @Override
    public void decode(MemorySegment source, long sourceOffset, float[] target, int targetOffset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long x = sourceOffset + (long) b * BYTES;
            int y = targetOffset + b * BLOCK;
            float d = LittleEndian.half(source, x);
            for (int j = 0; j < BLOCK / 2; j++) {
                int q = LittleEndian.unsignedByte(source, x + 2 + j);
                target[y + j] = ((q & 0x0F) - 8) * d;
                target[y + j + BLOCK / 2] = ((q >>> 4) - 8) * d;
            }
        }
    }
}
