package dev.chorus.gguf.quant;

import java.lang.foreign.MemorySegment;

/**
 * Decoders for the 32-element legacy types with an offset or a fifth bit, after ggml's {@code dequantize_row_q4_1},
 * {@code dequantize_row_q5_0} and {@code dequantize_row_q5_1}. Element j sits in the low nibble of byte j, element
 * j + 16 in its high nibble; the Q5 types keep each element's fifth bit in the 32-bit little-endian {@code qh}.
 */
final class LegacyDecoders {
    private static final int BLOCK = 32;
    private static final int HALF = BLOCK / 2;

    private LegacyDecoders() {
    }

    /** Q4_1: f16 d, f16 m, 16 quant bytes; value = q * d + m. */
    static final BlockDecoder Q4_1 = (source, sourceOffset, target, targetOffset, blocks) -> {
        for (int b = 0; b < blocks; b++) {
            long x = sourceOffset + (long) b * (2 + 2 + HALF);
            int y = targetOffset + b * BLOCK;
            float d = LittleEndian.half(source, x);
            float m = LittleEndian.half(source, x + 2);
            for (int j = 0; j < HALF; j++) {
                int q = LittleEndian.unsignedByte(source, x + 4 + j);
                target[y + j] = (q & 0x0F) * d + m;
                target[y + j + HALF] = (q >>> 4) * d + m;
            }
        }
    };

    /** Q5_0: f16 d, uint32 qh, 16 quant bytes; value = (q - 16) * d. */
    static final BlockDecoder Q5_0 = (source, sourceOffset, target, targetOffset, blocks) -> {
        for (int b = 0; b < blocks; b++) {
            long x = sourceOffset + (long) b * (2 + 4 + HALF);
            int y = targetOffset + b * BLOCK;
            float d = LittleEndian.half(source, x);
            int qh = LittleEndian.int32(source, x + 2);
            for (int j = 0; j < HALF; j++) {
                int q = LittleEndian.unsignedByte(source, x + 6 + j);
                target[y + j] = (lowWithFifthBit(q, qh, j) - 16) * d;
                target[y + j + HALF] = (highWithFifthBit(q, qh, j) - 16) * d;
            }
        }
    };

    /** Q5_1: f16 d, f16 m, uint32 qh, 16 quant bytes; value = q * d + m. */
    static final BlockDecoder Q5_1 = (source, sourceOffset, target, targetOffset, blocks) -> {
        for (int b = 0; b < blocks; b++) {
            long x = sourceOffset + (long) b * (2 + 2 + 4 + HALF);
            int y = targetOffset + b * BLOCK;
            float d = LittleEndian.half(source, x);
            float m = LittleEndian.half(source, x + 2);
            int qh = LittleEndian.int32(source, x + 4);
            for (int j = 0; j < HALF; j++) {
                int q = LittleEndian.unsignedByte(source, x + 8 + j);
                target[y + j] = lowWithFifthBit(q, qh, j) * d + m;
                target[y + j + HALF] = highWithFifthBit(q, qh, j) * d + m;
            }
        }
    };

    private static int lowWithFifthBit(int q, int qh, int j) {
        return (q & 0x0F) | ((qh >>> j) << 4 & 0x10);
    }

    private static int highWithFifthBit(int q, int qh, int j) {
        return (q >>> 4) | ((qh >>> (j + 12)) & 0x10);
    }
}
