package dev.chorus.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.AbstractList;
import java.util.Objects;
import java.util.RandomAccess;

import static dev.chorus.gguf.LittleEndianLayouts.INT16;
import static dev.chorus.gguf.LittleEndianLayouts.INT32;
import static dev.chorus.gguf.LittleEndianLayouts.INT64;

/**
 * An immutable array of fixed-size values kept as their little-endian file bytes, each element made into a
 * {@link GgufValue} when read. A parsed array thus costs exactly its size in the file (a 32000-entry score array
 * is 128 KB, not 32000 objects), which also bounds what a hostile file can make the reader allocate.
 */
final class PackedValues extends AbstractList<GgufValue> implements RandomAccess {

    private final GgufValueType type;
    private final MemorySegment bytes;
    private final int size;

    /** {@code bytes} holds {@code bytes.length / type.minimumSize()} values of a fixed-size {@code type}. */
    PackedValues(GgufValueType type, byte[] bytes) {
        this.type = type;
        this.bytes = MemorySegment.ofArray(bytes);
        this.size = bytes.length / type.minimumSize();
    }

    GgufValueType type() {
        return type;
    }

    @Override
    public GgufValue get(int index) {
        return decode(type, bytes, (long) Objects.checkIndex(index, size) * type.minimumSize());
    }

    @Override
    public int size() {
        return size;
    }

    /** The value of fixed-size {@code type} stored at {@code offset}; bools must already be known to be 0 or 1. */
    static GgufValue decode(GgufValueType type, MemorySegment segment, long offset) {
        return switch (type) {
            case UINT8 -> new GgufValue.UInt8(Byte.toUnsignedInt(segment.get(ValueLayout.JAVA_BYTE, offset)));
            case INT8 -> new GgufValue.Int8(segment.get(ValueLayout.JAVA_BYTE, offset));
            case UINT16 -> new GgufValue.UInt16(Short.toUnsignedInt(segment.get(INT16, offset)));
            case INT16 -> new GgufValue.Int16(segment.get(INT16, offset));
            case UINT32 -> new GgufValue.UInt32(Integer.toUnsignedLong(segment.get(INT32, offset)));
            case INT32 -> new GgufValue.Int32(segment.get(INT32, offset));
            case UINT64 -> new GgufValue.UInt64(segment.get(INT64, offset));
            case INT64 -> new GgufValue.Int64(segment.get(INT64, offset));
            case FLOAT32 -> new GgufValue.Float32(Float.intBitsToFloat(segment.get(INT32, offset)));
            case FLOAT64 -> new GgufValue.Float64(Double.longBitsToDouble(segment.get(INT64, offset)));
            case BOOL -> new GgufValue.Bool(segment.get(ValueLayout.JAVA_BYTE, offset) != 0);
            case STRING, ARRAY -> throw new IllegalArgumentException(type + " has no fixed size");
        };
    }
}
