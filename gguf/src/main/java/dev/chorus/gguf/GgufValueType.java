package dev.chorus.gguf;

/** Metadata value types with their ids ({@code enum gguf_type} in {@code ggml/include/gguf.h}). */
public enum GgufValueType {
    UINT8(0, 1),
    INT8(1, 1),
    UINT16(2, 2),
    INT16(3, 2),
    UINT32(4, 4),
    INT32(5, 4),
    FLOAT32(6, 4),
    BOOL(7, 1),
    /** uint64 length + UTF-8 bytes. */
    STRING(8, 8),
    /** uint32 element type + uint64 count + elements. */
    ARRAY(9, 12),
    UINT64(10, 8),
    INT64(11, 8),
    FLOAT64(12, 8);

    private static final GgufValueType[] BY_ID = values();

    private final int id;
    private final int minimumSize;

    GgufValueType(int id, int minimumSize) {
        this.id = id;
        this.minimumSize = minimumSize;
    }

    public int id() {
        return id;
    }

    /** The fewest bytes one value of this type can occupy in a file: its exact size for fixed-size types. */
    public int minimumSize() {
        return minimumSize;
    }

    /** The type with id {@code id}, or null when there is none. */
    public static GgufValueType byId(int id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[id] : null;
    }
}
