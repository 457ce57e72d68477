package dev.chorus.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses and validates a GGUF image (spec: {@code ggml/include/gguf.h}, checks after {@code gguf_init_from_reader} in
 * {@code ggml/src/gguf.cpp}). Every count is bounded by the bytes left before anything is allocated for it.
 */
final class GgufParser {
    static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
    static final String ALIGNMENT_KEY = "general.alignment";
    static final int DEFAULT_ALIGNMENT = 32;
    /** Deeper nesting is never written by real tools and would only serve to exhaust the stack. */
    static final int MAX_ARRAY_DEPTH = 8;
    /** The most bytes a Java array holds, so the most one metadata array may occupy. */
    private static final int MAX_ARRAY_BYTES = Integer.MAX_VALUE - 8;
    /** Smallest tensor info: name length, n_dims, type, offset. */
    private static final int MIN_TENSOR_INFO_BYTES = 8 + 4 + 4 + 8;
    /** Smallest key-value pair: key length, value type, a one-byte value. */
    private static final int MIN_KV_BYTES = 8 + 4 + 1;

    record Result(int version, Map<String, GgufValue> metadata, List<GgufTensorInfo> tensors, int alignment,
                  long dataStart) {
    }

    /** A tensor info with the file offset of its data-offset field, which placement errors name. */
    private record Entry(GgufTensorInfo info, long offsetFieldOffset) {
    }

    private final MemorySegment image;
    private final GgufCursor cursor;
    private int alignment = DEFAULT_ALIGNMENT;

    private GgufParser(MemorySegment image) {
        this.image = image;
        this.cursor = new GgufCursor(image);
    }

    static Result parse(MemorySegment image) throws GgufFormatException {
        return new GgufParser(image).parse();
    }

    private Result parse() throws GgufFormatException {
        int magic = cursor.int32("magic");                                          // char magic[4];
        if (magic != MAGIC) {
            throw new GgufFormatException("bad magic 0x" + Integer.toHexString(Integer.reverseBytes(magic))
                    + ", expected \"GGUF\"", 0);
        }
        int version = cursor.int32("version");                                      // uint32_t version;
        if (version != 2 && version != 3) {
            throw new GgufFormatException("unsupported GGUF version " + Integer.toUnsignedString(version)
                    + ", expected 2 or 3", 4);
        }
        long tensorCount = cursor.count("tensor count", MIN_TENSOR_INFO_BYTES);      // int64_t n_tensors;
        long kvCount = cursor.count("metadata key-value count", MIN_KV_BYTES);      // int64_t n_kv;
        Map<String, GgufValue> metadata = readMetadata(kvCount);
        List<Entry> entries = readTensorInfos(tensorCount);
        long dataStart = align(cursor.position(), alignment);
        checkPlacement(entries, dataStart);
        return new Result(version, Collections.unmodifiableMap(metadata), entries.stream().map(Entry::info).toList(),
                alignment, dataStart);
    }

    private Map<String, GgufValue> readMetadata(long count) throws GgufFormatException {
        Map<String, GgufValue> metadata = new LinkedHashMap<>();
        for (long i = 0; i < count; i++) {
            long keyOffset = cursor.position();
            String key = cursor.string("metadata key");                            // gguf_string_t key;
            if (key.isEmpty()) {
                throw new GgufFormatException("metadata key " + i + " is empty", keyOffset);
            }
            if (metadata.containsKey(key)) {
                throw new GgufFormatException("duplicate metadata key '" + key + "'", keyOffset);
            }
            GgufValueType type = valueType("value type of '" + key + "'");          // gguf_type type;
            long valueOffset = cursor.position();
            GgufValue value = readValue(type, key, 0);
            if (key.equals(ALIGNMENT_KEY)) {
                alignment = alignment(value, valueOffset);
            }
            metadata.put(key, value);
        }
        return metadata;
    }

    private GgufValueType valueType(String what) throws GgufFormatException {
        long offset = cursor.position();
        int id = cursor.int32(what);
        GgufValueType type = GgufValueType.byId(id);
        if (type == null) {
            throw new GgufFormatException(what + ": unknown GGUF value type " + id, offset);
        }
        return type;
    }

    private GgufValue readValue(GgufValueType type, String key, int depth) throws GgufFormatException {
        return readValue(type, key, "value of '" + key + "'", depth);
    }

    /** {@code what} names the value in a failure: made once for all elements of an array. */
    private GgufValue readValue(GgufValueType type, String key, String what, int depth) throws GgufFormatException {
        return switch (type) {
            case STRING -> new GgufValue.Text(cursor.string(what));
            case ARRAY -> readArray(key, depth);
            default -> PackedValues.decode(type, readFixed(type, 1, what), 0);
        };
    }

    /** The bytes of {@code count} values of a fixed-size type, with every bool checked to be 0 or 1. */
    private MemorySegment readFixed(GgufValueType type, long count, String what) throws GgufFormatException {
        long start = cursor.position();
        MemorySegment bytes = cursor.bytes(count * type.minimumSize(), what);
        if (type == GgufValueType.BOOL) {
            for (long i = 0; i < count; i++) {
                byte value = bytes.get(ValueLayout.JAVA_BYTE, i);
                if (value != 0 && value != 1) {
                    throw new GgufFormatException(what + ": bool byte " + value + " is neither 0 nor 1", start + i);
                }
            }
        }
        return bytes;
    }

    private GgufValue.Array readArray(String key, int depth) throws GgufFormatException {
        long offset = cursor.position();
        if (depth >= MAX_ARRAY_DEPTH) {
            throw new GgufFormatException("arrays in '" + key + "' nest deeper than " + MAX_ARRAY_DEPTH, offset);
        }
        GgufValueType elementType = valueType("array element type of '" + key + "'");
        long count = cursor.count("array length of '" + key + "'", elementType.minimumSize());
        if (count > MAX_ARRAY_BYTES / elementType.minimumSize()) {
            throw new GgufFormatException("array length " + count + " of '" + key + "' exceeds the "
                    + MAX_ARRAY_BYTES + " bytes one array may hold", offset + 4);
        }
        if (elementType != GgufValueType.STRING && elementType != GgufValueType.ARRAY) {
            byte[] packed = readFixed(elementType, count, "elements of '" + key + "'").toArray(ValueLayout.JAVA_BYTE);
            return new GgufValue.Array(elementType, new PackedValues(elementType, packed));
        }
        List<GgufValue> elements = new ArrayList<>(initialCapacity(count));
        String what = "value of '" + key + "'";
        for (long i = 0; i < count; i++) {
            elements.add(readValue(elementType, key, what, depth + 1));
        }
        return new GgufValue.Array(elementType, elements);
    }

    private static int alignment(GgufValue value, long offset) throws GgufFormatException {
        if (!(value instanceof GgufValue.UInt32(long alignment))) {
            throw new GgufFormatException(ALIGNMENT_KEY + " must be a UINT32, found " + value.type(), offset);
        }
        if (Long.bitCount(alignment) != 1 || alignment > 1 << 30) {
            throw new GgufFormatException(ALIGNMENT_KEY + " " + alignment + " is not a power of two up to 2^30",
                    offset);
        }
        return (int) alignment;
    }

    private List<Entry> readTensorInfos(long count) throws GgufFormatException {
        List<Entry> entries = new ArrayList<>(initialCapacity(count));
        Set<String> seen = new HashSet<>();
        for (long i = 0; i < count; i++) {
            long infoOffset = cursor.position();
            String name = cursor.string("tensor name");                             // gguf_string_t name;
            if (!seen.add(name)) {
                throw new GgufFormatException("duplicate tensor name '" + name + "'", infoOffset);
            }
            if (name.getBytes(StandardCharsets.UTF_8).length > GgufTensorInfo.MAX_NAME_BYTES) {
                throw new GgufFormatException("tensor name '" + name + "' is longer than "
                        + GgufTensorInfo.MAX_NAME_BYTES + " bytes", infoOffset);
            }
            long[] shape = readShape(name);
            long typeOffset = cursor.position();
            int typeId = cursor.int32("type of tensor '" + name + "'");            // ggml_type type;
            GgmlType type = GgmlType.byId(typeId);
            if (type == null) {
                throw new GgufFormatException("tensor '" + name + "' has unknown ggml type " + typeId, typeOffset);
            }
            long offsetField = cursor.position();
            long dataOffset = cursor.int64("data offset of tensor '" + name + "'"); // uint64_t offset;
            if (dataOffset < 0) {
                throw new GgufFormatException("tensor '" + name + "' data offset " + Long.toUnsignedString(dataOffset)
                        + " lies past the end of the file", offsetField);
            }
            if (dataOffset % alignment != 0) {
                throw new GgufFormatException("tensor '" + name + "' data offset " + Long.toUnsignedString(dataOffset)
                        + " is not a multiple of the alignment " + alignment, offsetField);
            }
            try {
                entries.add(new Entry(new GgufTensorInfo(name, type, shape, dataOffset), offsetField));
            } catch (IllegalArgumentException invalid) {
                throw new GgufFormatException(invalid.getMessage(), typeOffset);
            }
        }
        return entries;
    }

    private long[] readShape(String name) throws GgufFormatException {
        long offset = cursor.position();
        int dims = cursor.int32("dimension count of tensor '" + name + "'");       // uint32_t n_dims;
        if (dims < 0 || dims > GgufTensorInfo.MAX_DIMS) {
            throw new GgufFormatException("tensor '" + name + "' has " + Integer.toUnsignedString(dims)
                    + " dimensions, at most " + GgufTensorInfo.MAX_DIMS + " allowed", offset);
        }
        long[] shape = new long[dims];
        long elements = 1;
        for (int d = 0; d < dims; d++) {
            long dimOffset = cursor.position();
            shape[d] = cursor.int64("dimension " + d + " of tensor '" + name + "'"); // int64_t ne[n_dims];
            if (shape[d] <= 0) {
                throw new GgufFormatException("tensor '" + name + "' dimension " + d + " is " + shape[d]
                        + ", must be positive", dimOffset);
            }
            try {
                elements = Math.multiplyExact(elements, shape[d]);
            } catch (ArithmeticException overflow) {
                throw new GgufFormatException("tensor '" + name + "' element count overflows: shape "
                        + Arrays.toString(Arrays.copyOf(shape, d + 1)), dimOffset);
            }
        }
        return shape;
    }

    /** Every tensor must lie inside the file and no two may share a byte. */
    private void checkPlacement(List<Entry> entries, long dataStart) throws GgufFormatException {
        long fileSize = image.byteSize();
        for (Entry entry : entries) {
            GgufTensorInfo info = entry.info();
            long available = fileSize - dataStart;
            if (info.dataOffset() > available || info.byteSize() > available - info.dataOffset()) {
                throw new GgufFormatException("tensor '" + info.name() + "' data ends past the end of the file ("
                        + fileSize + " bytes, data section from " + dataStart + ")", entry.offsetFieldOffset());
            }
        }
        List<Entry> byOffset = new ArrayList<>(entries);
        byOffset.sort(Comparator.comparingLong(entry -> entry.info().dataOffset()));
        for (int i = 1; i < byOffset.size(); i++) {
            GgufTensorInfo previous = byOffset.get(i - 1).info();
            Entry current = byOffset.get(i);
            if (current.info().dataOffset() < previous.dataOffset() + previous.byteSize()) {
                throw new GgufFormatException("tensor '" + current.info().name() + "' overlaps tensor '"
                        + previous.name() + "'", current.offsetFieldOffset());
            }
        }
    }

    /** Grows with what is actually read, so a large declared count costs nothing up front. */
    private static int initialCapacity(long count) {
        return (int) Math.min(count, 1024);
    }

    static long align(long position, int alignment) {
        return (position + alignment - 1) & -(long) alignment;
    }
}
