package dev.chorus.testkit;

import dev.chorus.gguf.GgmlType;
import dev.chorus.gguf.quant.Quantization;
import dev.chorus.natives.LlamaLibraries;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * chorus-gguf's quantisation against the real thing: ggml's own reference row functions in the bundled
 * {@code libggml-base}, called through FFM on the same random inputs. Every byte and every float must agree.
 */
@SuppressWarnings("restricted") // FFM calls into the bundled ggml are the point of this test
class GgmlQuantizationParityTest {
    private static final int ELEMENTS = 256 * 64;
    /** void fn(const float * x, void * y, int64_t k) and void fn(const void * x, float * y, int64_t k). */
    private static final FunctionDescriptor ROW = FunctionDescriptor.ofVoid(
            ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG);

    private static Arena arena;
    private static SymbolLookup ggmlBase;

    @BeforeAll
    static void loadGgml() {
        arena = Arena.ofShared();
        ggmlBase = SymbolLookup.libraryLookup(LlamaLibraries.resolve().resolve("libggml-base.so"), arena);
    }

    @AfterAll
    static void unload() {
        arena.close();
    }

    enum Encoding {
        F16(GgmlType.F16, "ggml_fp32_to_fp16_row"),
        BF16(GgmlType.BF16, "ggml_fp32_to_bf16_row_ref"),
        Q8_0(GgmlType.Q8_0, "quantize_row_q8_0_ref"),
        Q4_0(GgmlType.Q4_0, "quantize_row_q4_0_ref");

        final GgmlType type;
        final String function;

        Encoding(GgmlType type, String function) {
            this.type = type;
            this.function = function;
        }
    }

    @ParameterizedTest
    @EnumSource(Encoding.class)
    void quantisesLikeGgml(Encoding encoding) throws Throwable {
        float[] values = gaussians(new Random(encoding.ordinal()));
        byte[] expected = new byte[(int) encoding.type.byteSizeFor(ELEMENTS)];
        try (Arena call = Arena.ofConfined()) {
            MemorySegment input = call.allocateFrom(ValueLayout.JAVA_FLOAT, values);
            MemorySegment output = call.allocate(expected.length);
            row(encoding.function).invokeExact(input, output, (long) ELEMENTS);
            MemorySegment.copy(output, ValueLayout.JAVA_BYTE, 0, expected, 0, expected.length);
        }
        assertArrayEquals(expected, Quantization.quantize(encoding.type, values), encoding + " bytes");
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"})
    void dequantisesLikeGgml(GgmlType type) throws Throwable {
        byte[] blocks = randomBlocks(type, new Random(type.id()));
        float[] expected = new float[ELEMENTS];
        try (Arena call = Arena.ofConfined()) {
            MemorySegment input = call.allocateFrom(ValueLayout.JAVA_BYTE, blocks);
            MemorySegment output = call.allocate(ValueLayout.JAVA_FLOAT, ELEMENTS);
            row("dequantize_row_" + type.name().toLowerCase().replace("_k", "_K"))
                    .invokeExact(input, output, (long) ELEMENTS);
            MemorySegment.copy(output, ValueLayout.JAVA_FLOAT, 0, expected, 0, ELEMENTS);
        }
        float[] actual = Quantization.dequantize(type, MemorySegment.ofArray(blocks), ELEMENTS);
        for (int i = 0; i < ELEMENTS; i++) {
            assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(actual[i]), type + " element " + i);
        }
    }

    private static MethodHandle row(String function) {
        MemorySegment symbol = ggmlBase.find(function)
                .orElseThrow(() -> new AssertionError(function + " is not exported by libggml-base"));
        return Linker.nativeLinker().downcallHandle(symbol, ROW);
    }

    /** Random quants with finite f16 scales: random bytes, then every half-precision field overwritten. */
    private static byte[] randomBlocks(GgmlType type, Random random) {
        byte[] blocks = new byte[(int) type.byteSizeFor(ELEMENTS)];
        random.nextBytes(blocks);
        int[] halfOffsets = switch (type) {
            case Q4_1, Q5_1, Q4_K, Q5_K -> new int[] {0, 2};
            case Q6_K -> new int[] {type.typeSize() - 2};
            default -> new int[] {0};
        };
        for (int block = 0; block < blocks.length; block += type.typeSize()) {
            for (int offset : halfOffsets) {
                short half = Float.floatToFloat16((float) random.nextGaussian());
                blocks[block + offset] = (byte) half;
                blocks[block + offset + 1] = (byte) (half >> 8);
            }
        }
        return blocks;
    }

    /** Gaussian values at varied scales, plus exact ties for the rounding rules and a zero block. */
    private static float[] gaussians(Random random) {
        float[] values = new float[ELEMENTS];
        for (int i = 0; i < ELEMENTS; i++) {
            values[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(9) - 4));
        }
        for (int j = 0; j < 32; j++) {
            values[j] = (j - 16) * 0.5f;
            values[32 + j] = 0;
            values[64 + j] = Float.intBitsToFloat(0x3f80_8000 + (j << 16)); // bf16 ties
        }
        return values;
    }
}
