package dev.chorus.gguf.quant;

import dev.chorus.gguf.GgmlType;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The decode-only types: random logical blocks (scales, mins, quants) are packed here following the struct
 * comments of {@code ggml-common.h}, then the decoder must return value = formula(scale, min, quant) per element.
 */
class DecoderTest {
    private static final int BLOCKS = 40;
    private final Random random = new Random(2026);

    @Test
    void q4_1() {
        checkLegacy(GgmlType.Q4_1, 4, false, true);
    }

    @Test
    void q5_0() {
        checkLegacy(GgmlType.Q5_0, 5, true, false);
    }

    @Test
    void q5_1() {
        checkLegacy(GgmlType.Q5_1, 5, true, true);
    }

    /** Layout: f16 d, [f16 m], [uint32 qh: bit j is element j's fifth bit], 16 bytes of nibble pairs (j, j + 16). */
    private void checkLegacy(GgmlType type, int bits, boolean fifthBit, boolean withMin) {
        ByteBuffer packed = buffer(type);
        float[] expected = new float[32 * BLOCKS];
        for (int b = 0; b < BLOCKS; b++) {
            short d = randomScale();
            short m = randomScale();
            int[] q = randomQuants(32, bits);
            packed.putShort(d);
            if (withMin) {
                packed.putShort(m);
            }
            if (fifthBit) {
                int qh = 0;
                for (int j = 0; j < 32; j++) {
                    qh |= (q[j] >> 4) << j;
                }
                packed.putInt(qh);
            }
            for (int j = 0; j < 16; j++) {
                packed.put((byte) ((q[j] & 0xF) | (q[j + 16] & 0xF) << 4));
            }
            for (int j = 0; j < 32; j++) {
                expected[32 * b + j] = withMin
                        ? q[j] * half(d) + half(m)
                        : (q[j] - (1 << (bits - 1))) * half(d);
            }
        }
        assertDecodes(type, packed, expected);
    }

    @Test
    void q4_K() {
        checkQ45K(GgmlType.Q4_K, false);
    }

    @Test
    void q5_K() {
        checkQ45K(GgmlType.Q5_K, true);
    }

    /**
     * Layout: f16 d, f16 dmin, 12 bytes of eight 6-bit scales and mins, [32 bytes qh], 128 quant bytes. Sub-blocks
     * 2p and 2p + 1 share quant bytes 32p..32p + 31 (low and high nibble); qh bit 2p / 2p + 1 of byte l holds the
     * fifth bit of element l of those sub-blocks.
     */
    private void checkQ45K(GgmlType type, boolean fifthBit) {
        ByteBuffer packed = buffer(type);
        float[] expected = new float[256 * BLOCKS];
        for (int b = 0; b < BLOCKS; b++) {
            short d = randomScale();
            short dmin = randomScale();
            int[] scales = randomQuants(8, 6);
            int[] mins = randomQuants(8, 6);
            int[] q = randomQuants(256, fifthBit ? 5 : 4);
            packed.putShort(d).putShort(dmin);
            byte[] packedScales = new byte[12];
            for (int j = 0; j < 4; j++) {
                packedScales[j] = (byte) (scales[j] | (scales[j + 4] >> 4) << 6);
                packedScales[j + 4] = (byte) (mins[j] | (mins[j + 4] >> 4) << 6);
                packedScales[j + 8] = (byte) ((scales[j + 4] & 0xF) | (mins[j + 4] & 0xF) << 4);
            }
            packed.put(packedScales);
            if (fifthBit) {
                for (int l = 0; l < 32; l++) {
                    int qh = 0;
                    for (int subBlock = 0; subBlock < 8; subBlock++) {
                        qh |= (q[32 * subBlock + l] >> 4) << subBlock;
                    }
                    packed.put((byte) qh);
                }
            }
            for (int pair = 0; pair < 4; pair++) {
                for (int l = 0; l < 32; l++) {
                    packed.put((byte) ((q[64 * pair + l] & 0xF) | (q[64 * pair + 32 + l] & 0xF) << 4));
                }
            }
            for (int e = 0; e < 256; e++) {
                int subBlock = e / 32;
                expected[256 * b + e] = half(d) * scales[subBlock] * q[e] - half(dmin) * mins[subBlock];
            }
        }
        assertDecodes(type, packed, expected);
    }

    /**
     * Q6_K layout: 128 bytes ql, 64 bytes qh, 16 int8 scales, f16 d. Each half of 128 elements uses 64 ql and 32 qh
     * bytes: group g of 32 (g = 0..3) takes the low (g < 2) or high nibble of ql[l + 32 * (g % 2)] and bits 2g, 2g + 1
     * of qh[l]; element l of group g uses scale 8 * half + l / 16 + 2g.
     */
    @Test
    void q6_K() {
        ByteBuffer packed = buffer(GgmlType.Q6_K);
        float[] expected = new float[256 * BLOCKS];
        for (int b = 0; b < BLOCKS; b++) {
            int[] q = randomQuants(256, 6);
            byte[] scales = new byte[16];
            random.nextBytes(scales);
            short d = randomScale();
            byte[] ql = new byte[128];
            byte[] qh = new byte[64];
            for (int e = 0; e < 256; e++) {
                int halfIndex = e / 128;
                int group = e % 128 / 32;
                int l = e % 32;
                int low = q[e] & 0xF;
                ql[64 * halfIndex + l + 32 * (group % 2)] |= (byte) (group < 2 ? low : low << 4);
                qh[32 * halfIndex + l] |= (byte) ((q[e] >> 4) << (2 * group));
                int scale = scales[8 * halfIndex + l / 16 + 2 * group];
                expected[256 * b + e] = half(d) * scale * (q[e] - 32);
            }
            packed.put(ql).put(qh).put(scales).putShort(d);
        }
        assertDecodes(GgmlType.Q6_K, packed, expected);
    }

    private void assertDecodes(GgmlType type, ByteBuffer packed, float[] expected) {
        assertEquals(0, packed.remaining(), "packed exactly the type's bytes");
        float[] decoded = Quantization.dequantize(type, MemorySegment.ofArray(packed.array()), expected.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], decoded[i], type + " element " + i);
        }
    }

    private static ByteBuffer buffer(GgmlType type) {
        return ByteBuffer.allocate((int) type.byteSizeFor((long) type.blockSize() * BLOCKS)).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A finite, normal f16 scale of either sign around 1e-3..1. */
    private short randomScale() {
        return Float.floatToFloat16((float) ((random.nextBoolean() ? 1 : -1) * Math.pow(10, -3 * random.nextDouble())));
    }

    private int[] randomQuants(int count, int bits) {
        int[] quants = new int[count];
        for (int i = 0; i < count; i++) {
            quants[i] = random.nextInt(1 << bits);
        }
        return quants;
    }

    private static float half(short bits) {
        return Float.float16ToFloat(bits);
    }
}
