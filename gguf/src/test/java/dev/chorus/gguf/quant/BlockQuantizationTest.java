package dev.chorus.gguf.quant;

import dev.chorus.gguf.GgmlType;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Q8_0 and Q4_0 against the formulas of ggml's reference quantisers, written out per element. */
class BlockQuantizationTest {
    private static final int BLOCKS = 300;

    @Test
    void q8_0MatchesTheReferenceFormula() {
        float[] values = samples(new Random(80));
        byte[] encoded = Quantization.quantize(GgmlType.Q8_0, values);
        for (int b = 0; b < BLOCKS; b++) {
            float amax = 0;
            for (int j = 0; j < 32; j++) {
                amax = Math.max(amax, Math.abs(values[32 * b + j]));
            }
            float d = amax / 127;
            float inverse = d == 0 ? 0 : 1 / d;
            assertEquals(Float.floatToFloat16(d), halfAt(encoded, 34 * b), "scale of block " + b);
            for (int j = 0; j < 32; j++) {
                // roundf rounds halves away from zero, which is BigDecimal's HALF_UP
                int expected = new BigDecimal(values[32 * b + j] * inverse).setScale(0, RoundingMode.HALF_UP).intValueExact();
                assertEquals(expected, encoded[34 * b + 2 + j], "block " + b + " element " + j);
            }
        }
        assertDecodesAsScaledQuants(GgmlType.Q8_0, encoded, (block, j) -> encoded[34 * block + 2 + j], 34);
    }

    @Test
    void q4_0MatchesTheReferenceFormula() {
        float[] values = samples(new Random(40));
        byte[] encoded = Quantization.quantize(GgmlType.Q4_0, values);
        for (int b = 0; b < BLOCKS; b++) {
            float max = 0;
            for (int j = 0; j < 32; j++) {
                if (Math.abs(values[32 * b + j]) > Math.abs(max)) {
                    max = values[32 * b + j];
                }
            }
            float d = max / -8;
            float inverse = d == 0 ? 0 : 1 / d;
            assertEquals(Float.floatToFloat16(d), halfAt(encoded, 18 * b), "scale of block " + b);
            for (int j = 0; j < 32; j++) {
                int expected = Math.min(15, (int) Math.floor(values[32 * b + j] * inverse + 8.5f));
                int packed = encoded[18 * b + 2 + j % 16] & 0xFF;
                assertEquals(expected, j < 16 ? packed & 0xF : packed >>> 4, "block " + b + " element " + j);
            }
        }
        assertDecodesAsScaledQuants(GgmlType.Q4_0, encoded, (block, j) -> {
            int packed = encoded[18 * block + 2 + j % 16] & 0xFF;
            return (j < 16 ? packed & 0xF : packed >>> 4) - 8;
        }, 18);
    }

    @Test
    void quantisationErrorIsWithinHalfAStep() {
        float[] values = samples(new Random(11));
        float[] q8 = roundTrip(GgmlType.Q8_0, values);
        float[] q4 = roundTrip(GgmlType.Q4_0, values);
        for (int b = 0; b < BLOCKS; b++) {
            float amax = 0;
            for (int j = 0; j < 32; j++) {
                amax = Math.max(amax, Math.abs(values[32 * b + j]));
            }
            for (int j = 0; j < 32; j++) {
                int i = 32 * b + j;
                // the f16 scale adds up to 2^-11 relative error on top of rounding to the grid
                assertTrue(Math.abs(q8[i] - values[i]) <= amax / 127 * 0.5f + amax * 1e-3f, "q8_0 element " + i);
                assertTrue(Math.abs(q4[i] - values[i]) <= amax / 8 + amax * 1e-3f, "q4_0 element " + i);
            }
        }
    }

    @Test
    void zeroBlocksStayZero() {
        float[] zeros = new float[64];
        assertArrayEquals(zeros, roundTrip(GgmlType.Q8_0, zeros));
        // Q4_0's scale is max / -8 = -0.0, so ggml decodes zeros as -0.0: equal, not identical
        for (float value : roundTrip(GgmlType.Q4_0, zeros)) {
            assertEquals(0.0f, value, 0.0f);
        }
    }

    private interface Quant {
        int at(int block, int element);
    }

    private static void assertDecodesAsScaledQuants(GgmlType type, byte[] encoded, Quant quant, int blockBytes) {
        float[] decoded = Quantization.dequantize(type, MemorySegment.ofArray(encoded), 32 * BLOCKS);
        for (int b = 0; b < BLOCKS; b++) {
            float d = Float.float16ToFloat(halfAt(encoded, blockBytes * b));
            for (int j = 0; j < 32; j++) {
                assertEquals(quant.at(b, j) * d, decoded[32 * b + j], "block " + b + " element " + j);
            }
        }
    }

    private static float[] roundTrip(GgmlType type, float[] values) {
        return Quantization.dequantize(type, MemorySegment.ofArray(Quantization.quantize(type, values)), values.length);
    }

    static short halfAt(byte[] bytes, int offset) {
        return (short) ((bytes[offset] & 0xFF) | bytes[offset + 1] << 8);
    }

    /** Gaussian values at varied scales, with an all-equal block, a block of exact halves and a zero block. */
    private static float[] samples(Random random) {
        float[] values = PlainTypesTest.randomFloats(random, 32 * BLOCKS);
        for (int j = 0; j < 32; j++) {
            values[j] = 0.75f;
            values[32 + j] = (j - 16) * 0.5f;
            values[64 + j] = 0;
        }
        return values;
    }
}
