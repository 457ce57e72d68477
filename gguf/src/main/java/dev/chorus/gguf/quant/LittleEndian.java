package dev.chorus.gguf.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Unaligned little-endian accessors for block fields. */
final class LittleEndian {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private LittleEndian() {
    }

    static int unsignedByte(MemorySegment segment, long offset) {
        return Byte.toUnsignedInt(segment.get(ValueLayout.JAVA_BYTE, offset));
    }

    static byte signedByte(MemorySegment segment, long offset) {
        return segment.get(ValueLayout.JAVA_BYTE, offset);
    }

    static void putByte(MemorySegment segment, long offset, int value) {
        segment.set(ValueLayout.JAVA_BYTE, offset, (byte) value);
    }

    static short int16(MemorySegment segment, long offset) {
        return segment.get(SHORT, offset);
    }

    static void putInt16(MemorySegment segment, long offset, short value) {
        segment.set(SHORT, offset, value);
    }

    static int int32(MemorySegment segment, long offset) {
        return segment.get(INT, offset);
    }

    static float float32(MemorySegment segment, long offset) {
        return segment.get(FLOAT, offset);
    }

    static void putFloat32(MemorySegment segment, long offset, float value) {
        segment.set(FLOAT, offset, value);
    }

    /** An IEEE half stored at {@code offset}, widened exactly. */
    static float half(MemorySegment segment, long offset) {
        return Float.float16ToFloat(int16(segment, offset));
    }

    /** Stores {@code value} as an IEEE half, rounded to nearest even like ggml's {@code GGML_FP32_TO_FP16}. */
    static void putHalf(MemorySegment segment, long offset, float value) {
        putInt16(segment, offset, Float.floatToFloat16(value));
    }
}
