package dev.chorus.gguf.quant;

import dev.chorus.gguf.GgmlType;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** F32, F16 and BF16 against their definitions: exact where representable, nearest-even otherwise, NaN kept. */
class PlainTypesTest {
    private static final int SAMPLES = 200_000;

    @Test
    void f32IsACopyOfTheBits() {
        float[] values = randomFloats(new Random(3), 1025);
        values[0] = Float.intBitsToFloat(0x7fa0_0001); // a signalling NaN payload survives too
        float[] back = roundTrip(GgmlType.F32, values);
        for (int i = 0; i < values.length; i++) {
            assertEquals(Float.floatToRawIntBits(values[i]), Float.floatToRawIntBits(back[i]));
        }
    }

    @Test
    void everyHalfSurvivesExactly() {
        for (int bits = 0; bits < 1 << 16; bits++) {
            float value = Float.float16ToFloat((short) bits);
            float[] back = roundTrip(GgmlType.F16, value);
            if (Float.isNaN(value)) {
                assertTrue(Float.isNaN(back[0]));
            } else {
                assertEquals(Float.floatToRawIntBits(value), Float.floatToRawIntBits(back[0]), "half 0x" + Integer.toHexString(bits));
            }
        }
    }

    @Test
    void f16RoundsToNearestEven() {
        Random random = new Random(16);
        for (int i = 0; i < SAMPLES; i++) {
            float value = Float.intBitsToFloat(random.nextInt());
            if (Float.isNaN(value) || Math.abs(value) > 65504f) {
                continue;
            }
            short half = MemorySegment.ofArray(Quantization.quantize(GgmlType.F16, new float[] {value}))
                    .get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            assertNearestEven(value, half, Float::float16ToFloat);
        }
    }

    @Test
    void bf16RoundsToNearestEvenAndKeepsNaN() {
        Random random = new Random(30);
        for (int i = 0; i < SAMPLES; i++) {
            float value = Float.intBitsToFloat(random.nextInt());
            short bf16 = BFloat16.fromFloat(value);
            if (Float.isNaN(value)) {
                float back = BFloat16.toFloat(bf16);
                assertTrue(Float.isNaN(back));
                assertEquals(value < 0 || Float.floatToRawIntBits(value) < 0, Float.floatToRawIntBits(back) < 0, "sign kept");
            } else if (Math.abs(value) < Float.intBitsToFloat(0x7f7f_8000)) { // below the overflow threshold
                assertNearestEven(value, bf16, BFloat16::toFloat);
            }
        }
        assertEquals((short) 0x7fc0, BFloat16.fromFloat(Float.NaN));
        assertEquals((short) 0x3f80, BFloat16.fromFloat(1.0f));
        assertEquals((short) 0x3f80, BFloat16.fromFloat(Float.intBitsToFloat(0x3f80_8000)), "tie goes to even");
        assertEquals((short) 0x3f82, BFloat16.fromFloat(Float.intBitsToFloat(0x3f81_8000)), "tie goes to even");
    }

    @Test
    void bf16TensorsDecodeByWidening() {
        float[] values = randomFloats(new Random(31), 64);
        float[] back = roundTrip(GgmlType.BF16, values);
        for (int i = 0; i < values.length; i++) {
            assertEquals(BFloat16.toFloat(BFloat16.fromFloat(values[i])), back[i]);
        }
    }

    @Test
    void offsetsAndBoundsAreHonoured() {
        float[] values = randomFloats(new Random(5), 40);
        MemorySegment target = MemorySegment.ofArray(new byte[100]);
        Quantization.quantize(GgmlType.F16, values, 8, 32, target, 10);
        float[] back = new float[34];
        Quantization.dequantize(GgmlType.F16, target, 10, back, 2, 32);
        for (int i = 0; i < 32; i++) {
            assertEquals(Float.float16ToFloat(Float.floatToFloat16(values[8 + i])), back[2 + i]);
        }
        assertArrayEquals(new float[2], Arrays.copyOf(back, 2));
        assertThrows(IndexOutOfBoundsException.class,
                () -> Quantization.quantize(GgmlType.F16, values, 0, 40, target, 30));
        assertThrows(UnsupportedOperationException.class,
                () -> Quantization.quantize(GgmlType.Q6_K, new float[256]));
    }

    private interface SixteenBitFloat {
        float toFloat(short bits);
    }

    /** {@code encoded} decodes to the representable value nearest {@code value}, ties to the even encoding. */
    private static void assertNearestEven(float value, short encoded, SixteenBitFloat decodeBits) {
        double chosen = decodeBits.toFloat(encoded);
        double error = Math.abs(chosen - value);
        for (int neighbour : new int[] {encoded - 1, encoded + 1}) {
            double other = decodeBits.toFloat((short) neighbour);
            if (Double.isNaN(other) || Double.isInfinite(other) || Math.signum(other) * Math.signum(chosen) < 0) {
                continue;
            }
            double otherError = Math.abs(other - value);
            assertTrue(error < otherError || (error == otherError && (encoded & 1) == 0),
                    () -> value + " encoded as " + chosen + " but " + other + " is nearer or an even tie");
        }
    }

    private static float[] roundTrip(GgmlType type, float... values) {
        return Quantization.dequantize(type, MemorySegment.ofArray(Quantization.quantize(type, values)), values.length);
    }

    static float[] randomFloats(Random random, int count) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(7) - 3));
        }
        return values;
    }
}
