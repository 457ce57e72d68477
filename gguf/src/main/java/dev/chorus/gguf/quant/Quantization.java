package dev.chorus.gguf.quant;

import dev.chorus.gguf.GgmlType;

import java.lang.foreign.MemorySegment;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Converts between floats and ggml tensor encodings, bit-exact with ggml's reference code.
 * <ul>
 *   <li>quantise: F32, F16, BF16, Q8_0, Q4_0 ({@code quantize_row_*_ref});</li>
 *   <li>dequantise: those plus Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K ({@code dequantize_row_*}).</li>
 * </ul>
 * Element counts must be whole blocks of the type ({@link GgmlType#blockSize()}).
 */
public final class Quantization {
    private static final Map<GgmlType, BlockEncoder> ENCODERS = new EnumMap<>(GgmlType.class);
    private static final Map<GgmlType, BlockDecoder> DECODERS = new EnumMap<>(GgmlType.class);

    static {
        Q8_0Codec q8 = new Q8_0Codec();
        Q4_0Codec q4 = new Q4_0Codec();
        ENCODERS.put(GgmlType.F32, PlainCodecs.F32_ENCODER);
        ENCODERS.put(GgmlType.F16, PlainCodecs.F16_ENCODER);
        ENCODERS.put(GgmlType.BF16, PlainCodecs.BF16_ENCODER);
        ENCODERS.put(GgmlType.Q8_0, q8);
        ENCODERS.put(GgmlType.Q4_0, q4);
        DECODERS.put(GgmlType.F32, PlainCodecs.F32_DECODER);
        DECODERS.put(GgmlType.F16, PlainCodecs.F16_DECODER);
        DECODERS.put(GgmlType.BF16, PlainCodecs.BF16_DECODER);
        DECODERS.put(GgmlType.Q8_0, q8);
        DECODERS.put(GgmlType.Q4_0, q4);
        DECODERS.put(GgmlType.Q4_1, LegacyDecoders.Q4_1);
        DECODERS.put(GgmlType.Q5_0, LegacyDecoders.Q5_0);
        DECODERS.put(GgmlType.Q5_1, LegacyDecoders.Q5_1);
        DECODERS.put(GgmlType.Q4_K, KQuantDecoders.Q4_K);
        DECODERS.put(GgmlType.Q5_K, KQuantDecoders.Q5_K);
        DECODERS.put(GgmlType.Q6_K, KQuantDecoders.Q6_K);
    }

    private Quantization() {
    }

    public static Set<GgmlType> quantizable() {
        return Set.copyOf(ENCODERS.keySet());
    }

    public static Set<GgmlType> dequantizable() {
        return Set.copyOf(DECODERS.keySet());
    }

    /** {@code values} encoded as {@code type}. */
    public static byte[] quantize(GgmlType type, float[] values) {
        byte[] encoded = new byte[Math.toIntExact(type.byteSizeFor(values.length))];
        quantize(type, values, 0, values.length, MemorySegment.ofArray(encoded), 0);
        return encoded;
    }

    /** Encodes {@code count} values from {@code source[sourceOffset..]} into {@code target} at {@code targetOffset}. */
    public static void quantize(GgmlType type, float[] source, int sourceOffset, int count,
                                MemorySegment target, long targetOffset) {
        BlockEncoder encoder = lookup(ENCODERS, type, "quantise");
        Objects.checkFromIndexSize(sourceOffset, count, source.length);
        Objects.checkFromIndexSize(targetOffset, type.byteSizeFor(count), target.byteSize());
        encoder.encode(source, sourceOffset, target, targetOffset, count / type.blockSize());
    }

    /** The first {@code count} values encoded as {@code type} in {@code source}. */
    public static float[] dequantize(GgmlType type, MemorySegment source, int count) {
        float[] values = new float[count];
        dequantize(type, source, 0, values, 0, count);
        return values;
    }

    /** Decodes {@code count} values from {@code source} at {@code sourceOffset} into {@code target[targetOffset..]}. */
    public static void dequantize(GgmlType type, MemorySegment source, long sourceOffset,
                                  float[] target, int targetOffset, int count) {
        BlockDecoder decoder = lookup(DECODERS, type, "dequantise");
        Objects.checkFromIndexSize(targetOffset, count, target.length);
        Objects.checkFromIndexSize(sourceOffset, type.byteSizeFor(count), source.byteSize());
        decoder.decode(source, sourceOffset, target, targetOffset, count / type.blockSize());
    }

    private static <T> T lookup(Map<GgmlType, T> codecs, GgmlType type, String operation) {
        T codec = codecs.get(Objects.requireNonNull(type, "type"));
        if (codec == null) {
            throw new UnsupportedOperationException("cannot " + operation + " " + type + "; supported: "
                    + codecs.keySet());
        }
        return codec;
    }
}
