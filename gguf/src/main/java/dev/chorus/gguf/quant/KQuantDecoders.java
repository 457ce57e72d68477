package dev.chorus.gguf.quant;

import java.lang.foreign.MemorySegment;

/**
 * Decoders for the 256-element k-quant super-blocks, after ggml's {@code dequantize_row_q4_K},
 * {@code dequantize_row_q5_K} and {@code dequantize_row_q6_K} (layouts in {@code ggml-common.h}).
 */
final class KQuantDecoders {
    private static final int BLOCK = 256;
    /** Bytes of packed 6-bit scales and mins in Q4_K and Q5_K. */
    private static final int SCALE_BYTES = 12;

    private KQuantDecoders() {
    }

    /** Q4_K: f16 d, f16 dmin, 12 scale bytes, 128 quant bytes; eight sub-blocks of 32, value = d*sc*q - dmin*m. */
    static final BlockDecoder Q4_K = (source, sourceOffset, target, targetOffset, blocks) ->
            decodeScaledWithMin(source, sourceOffset, target, targetOffset, blocks, false);

    /** Q5_K: as Q4_K plus 32 bytes {@code qh} holding each element's fifth bit, before the 128 quant bytes. */
    static final BlockDecoder Q5_K = (source, sourceOffset, target, targetOffset, blocks) ->
            decodeScaledWithMin(source, sourceOffset, target, targetOffset, blocks, true);

    private static void decodeScaledWithMin(MemorySegment source, long sourceOffset, float[] target,
                                            int targetOffset, int blocks, boolean fifthBit) {
        int highBytes = fifthBit ? BLOCK / 8 : 0;
        for (int b = 0; b < blocks; b++) {
            long x = sourceOffset + (long) b * (4 + SCALE_BYTES + highBytes + BLOCK / 2);
            long scales = x + 4;
            long qh = scales + SCALE_BYTES;
            long ql = qh + highBytes;
            int y = targetOffset + b * BLOCK;
            float d = LittleEndian.half(source, x);
            float min = LittleEndian.half(source, x + 2);
            int u1 = 1;
            int u2 = 2;
            for (int j = 0, is = 0; j < BLOCK; j += 64, is += 2, ql += 32, u1 <<= 2, u2 <<= 2) {
                float d1 = d * scale(source, scales, is);
                float m1 = min * minimum(source, scales, is);
                float d2 = d * scale(source, scales, is + 1);
                float m2 = min * minimum(source, scales, is + 1);
                for (int l = 0; l < 32; l++) {
                    int q = LittleEndian.unsignedByte(source, ql + l);
                    int high = fifthBit ? LittleEndian.unsignedByte(source, qh + l) : 0;
                    target[y + j + l] = d1 * ((q & 0xF) + ((high & u1) != 0 ? 16 : 0)) - m1;
                    target[y + j + 32 + l] = d2 * ((q >>> 4) + ((high & u2) != 0 ? 16 : 0)) - m2;
                }
            }
        }
    }

    /**
     * Q6_K: 128 bytes low nibbles {@code ql}, 64 bytes high 2-bit pairs {@code qh}, 16 int8 scales, f16 d (last);
     * sixteen sub-blocks of 16, value = d * scale * (q - 32).
     */
    static final BlockDecoder Q6_K = (source, sourceOffset, target, targetOffset, blocks) -> {
        for (int b = 0; b < blocks; b++) {
            long ql = sourceOffset + (long) b * (BLOCK / 2 + BLOCK / 4 + BLOCK / 16 + 2);
            long qh = ql + BLOCK / 2;
            long sc = qh + BLOCK / 4;
            float d = LittleEndian.half(source, sc + BLOCK / 16);
            int y = targetOffset + b * BLOCK;
            for (int n = 0; n < BLOCK; n += 128, y += 128, ql += 64, qh += 32, sc += 8) {
                for (int l = 0; l < 32; l++) {
                    int is = l / 16;
                    int low0 = LittleEndian.unsignedByte(source, ql + l);
                    int low32 = LittleEndian.unsignedByte(source, ql + l + 32);
                    int high = LittleEndian.unsignedByte(source, qh + l);
                    int q1 = ((low0 & 0xF) | ((high & 3) << 4)) - 32;
                    int q2 = ((low32 & 0xF) | (((high >>> 2) & 3) << 4)) - 32;
                    int q3 = ((low0 >>> 4) | (((high >>> 4) & 3) << 4)) - 32;
                    int q4 = ((low32 >>> 4) | (((high >>> 6) & 3) << 4)) - 32;
                    target[y + l] = d * LittleEndian.signedByte(source, sc + is) * q1;
                    target[y + l + 32] = d * LittleEndian.signedByte(source, sc + is + 2) * q2;
                    target[y + l + 64] = d * LittleEndian.signedByte(source, sc + is + 4) * q3;
                    target[y + l + 96] = d * LittleEndian.signedByte(source, sc + is + 6) * q4;
                }
            }
        }
    };

    /** The 6-bit scale of sub-block j (ggml's {@code get_scale_min_k4}, first output). */
    private static int scale(MemorySegment source, long scales, int j) {
        if (j < 4) {
            return LittleEndian.unsignedByte(source, scales + j) & 63;
        }
        return (LittleEndian.unsignedByte(source, scales + j + 4) & 0xF)
                | ((LittleEndian.unsignedByte(source, scales + j - 4) >>> 6) << 4);
    }

    /** The 6-bit min of sub-block j (ggml's {@code get_scale_min_k4}, second output). */
    private static int minimum(MemorySegment source, long scales, int j) {
        if (j < 4) {
            return LittleEndian.unsignedByte(source, scales + j + 4) & 63;
        }
        return (LittleEndian.unsignedByte(source, scales + j + 4) >>> 4)
                | ((LittleEndian.unsignedByte(source, scales + j) >>> 6) << 4);
    }
}
