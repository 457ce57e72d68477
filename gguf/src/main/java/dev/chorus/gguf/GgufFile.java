package dev.chorus.gguf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * A GGUF file (version 2 or 3) memory-mapped read-only. Opening parses and validates the whole header; tensor data
 * is never copied: {@link #tensor(String)} returns a slice of the mapping, valid until {@link #close()}. The mapping
 * uses a shared arena, so views may be read from any thread.
 *
 * <pre>{@code
 * try (GgufFile gguf = GgufFile.open(path)) {
 *     String arch = gguf.getString("general.architecture");
 *     MemorySegment embeddings = gguf.tensor("token_embd.weight");
 * }
 * }</pre>
 */
public final class GgufFile implements AutoCloseable {
    private final Path path;
    private final Arena arena;
    private final MemorySegment image;
    private final GgufParser.Result header;
    private final Map<String, GgufTensorInfo> tensorsByName;

    private GgufFile(Path path, Arena arena, MemorySegment image, GgufParser.Result header) {
        this.path = path;
        this.arena = arena;
        this.image = image;
        this.header = header;
        Map<String, GgufTensorInfo> byName = new LinkedHashMap<>();
        header.tensors().forEach(info -> byName.put(info.name(), info));
        this.tensorsByName = Collections.unmodifiableMap(byName);
    }

    /**
     * Maps and parses {@code path}.
     *
     * @throws GgufFormatException if the file is not a well-formed GGUF file
     * @throws IOException         if it cannot be read
     */
    public static GgufFile open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment image = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            return new GgufFile(path, arena, image, GgufParser.parse(image));
        } catch (IOException | RuntimeException | Error failure) {
            arena.close();
            throw failure;
        }
    }

    public Path path() {
        return path;
    }

    public int version() {
        return header.version();
    }

    /** Data alignment in bytes ({@code general.alignment}, 32 when absent). */
    public int alignment() {
        return header.alignment();
    }

    /** File offset where the tensor data section starts. */
    public long dataStart() {
        return header.dataStart();
    }

    /** Every metadata entry in file order. */
    public Map<String, GgufValue> metadata() {
        return header.metadata();
    }

    public boolean contains(String key) {
        return header.metadata().containsKey(key);
    }

    public Optional<GgufValue> find(String key) {
        return Optional.ofNullable(header.metadata().get(key));
    }

    public GgufValue get(String key) {
        GgufValue value = header.metadata().get(key);
        if (value == null) {
            throw new NoSuchElementException("no metadata key '" + key + "' in " + path);
        }
        return value;
    }

    public String getString(String key) {
        return switch (get(key)) {
            case GgufValue.Text(String value) -> value;
            case GgufValue other -> throw wrongType(key, other, "a string");
        };
    }

    /** An integer of any GGUF integer type whose value fits in an int. */
    public int getInt(String key) {
        long value = getLong(key);
        if (value != (int) value) {
            throw new IllegalStateException("metadata '" + key + "' = " + value + " does not fit in an int");
        }
        return (int) value;
    }

    /** An integer of any GGUF integer type whose value fits in a long. */
    public long getLong(String key) {
        GgufValue value = get(key);
        return switch (value) {
            case GgufValue.UInt8(int v) -> v;
            case GgufValue.Int8(byte v) -> v;
            case GgufValue.UInt16(int v) -> v;
            case GgufValue.Int16(short v) -> v;
            case GgufValue.UInt32(long v) -> v;
            case GgufValue.Int32(int v) -> v;
            case GgufValue.Int64(long v) -> v;
            case GgufValue.UInt64(long bits) when bits >= 0 -> bits;
            default -> throw wrongType(key, value, "an integer that fits in a long");
        };
    }

    /** A FLOAT32, or a FLOAT64 narrowed to float. */
    public float getFloat(String key) {
        GgufValue value = get(key);
        return switch (value) {
            case GgufValue.Float32(float v) -> v;
            case GgufValue.Float64(double v) -> (float) v;
            default -> throw wrongType(key, value, "a float");
        };
    }

    public boolean getBoolean(String key) {
        return switch (get(key)) {
            case GgufValue.Bool(boolean value) -> value;
            case GgufValue other -> throw wrongType(key, other, "a bool");
        };
    }

    public GgufValue.Array getArray(String key) {
        return switch (get(key)) {
            case GgufValue.Array array -> array;
            case GgufValue other -> throw wrongType(key, other, "an array");
        };
    }

    public List<String> getStringArray(String key) {
        GgufValue.Array array = getArray(key);
        if (array.elementType() != GgufValueType.STRING) {
            throw wrongType(key, array, "an array of strings");
        }
        return array.elements().stream().map(element -> ((GgufValue.Text) element).value()).toList();
    }

    /** Tensor infos in file order. */
    public List<GgufTensorInfo> tensors() {
        return header.tensors();
    }

    public Optional<GgufTensorInfo> findTensor(String name) {
        return Optional.ofNullable(tensorsByName.get(name));
    }

    public GgufTensorInfo tensorInfo(String name) {
        GgufTensorInfo info = tensorsByName.get(name);
        if (info == null) {
            throw new NoSuchElementException("no tensor '" + name + "' in " + path);
        }
        return info;
    }

    /** A read-only view of the tensor's bytes inside the mapping (no copy); invalid after {@link #close()}. */
    public MemorySegment tensor(String name) {
        return tensor(tensorInfo(name));
    }

    public MemorySegment tensor(GgufTensorInfo info) {
        if (!info.equals(tensorsByName.get(info.name()))) {
            throw new IllegalArgumentException("tensor " + info + " is not part of " + path);
        }
        return image.asSlice(header.dataStart() + info.dataOffset(), info.byteSize()).asReadOnly();
    }

    /** The whole file as one read-only segment. */
    public MemorySegment image() {
        return image.asReadOnly();
    }

    /** Unmaps the file; segments obtained from it become inaccessible. Idempotent. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    private IllegalStateException wrongType(String key, GgufValue value, String expected) {
        return new IllegalStateException("metadata '" + key + "' is " + value.type()
                + (value instanceof GgufValue.Array array ? " of " + array.elementType() : "")
                + ", expected " + expected);
    }
}
