package dev.chorus.gguf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GgufRoundTripTest {
    @TempDir
    Path directory;

    /** One value of every metadata type, arrays of each, nested arrays and edge values. */
    static Map<String, GgufValue> everyMetadataType() {
        Map<String, GgufValue> values = new LinkedHashMap<>();
        values.put("general.architecture", new GgufValue.Text("llama"));
        values.put("t.uint8", new GgufValue.UInt8(255));
        values.put("t.int8", new GgufValue.Int8((byte) -128));
        values.put("t.uint16", new GgufValue.UInt16(65535));
        values.put("t.int16", new GgufValue.Int16((short) -32768));
        values.put("t.uint32", new GgufValue.UInt32(0xFFFF_FFFFL));
        values.put("t.int32", new GgufValue.Int32(Integer.MIN_VALUE));
        values.put("t.uint64", new GgufValue.UInt64(-1L));
        values.put("t.int64", new GgufValue.Int64(Long.MIN_VALUE));
        values.put("t.float32", new GgufValue.Float32(-0.0f));
        values.put("t.float32.nan", new GgufValue.Float32(Float.intBitsToFloat(0x7fc0_1234)));
        values.put("t.float64", new GgufValue.Float64(Math.PI));
        values.put("t.bool.true", new GgufValue.Bool(true));
        values.put("t.bool.false", new GgufValue.Bool(false));
        values.put("t.string.empty", new GgufValue.Text(""));
        values.put("t.string.unicode", new GgufValue.Text("▁héllo \uD83D\uDE00 日本"));
        values.put("t.array.uint8", array(GgufValueType.UINT8, new GgufValue.UInt8(0), new GgufValue.UInt8(200)));
        values.put("t.array.int8", array(GgufValueType.INT8, new GgufValue.Int8((byte) -1)));
        values.put("t.array.uint16", array(GgufValueType.UINT16, new GgufValue.UInt16(7)));
        values.put("t.array.int16", array(GgufValueType.INT16, new GgufValue.Int16((short) -7)));
        values.put("t.array.uint32", array(GgufValueType.UINT32, new GgufValue.UInt32(1), new GgufValue.UInt32(2)));
        values.put("t.array.int32", array(GgufValueType.INT32, new GgufValue.Int32(-3)));
        values.put("t.array.uint64", array(GgufValueType.UINT64, new GgufValue.UInt64(Long.MIN_VALUE)));
        values.put("t.array.int64", array(GgufValueType.INT64, new GgufValue.Int64(-9)));
        values.put("t.array.float32", array(GgufValueType.FLOAT32, new GgufValue.Float32(1.5f)));
        values.put("t.array.float64", array(GgufValueType.FLOAT64, new GgufValue.Float64(-2.25)));
        values.put("t.array.bool", array(GgufValueType.BOOL, new GgufValue.Bool(true), new GgufValue.Bool(false)));
        values.put("t.array.string", array(GgufValueType.STRING, new GgufValue.Text("<s>"), new GgufValue.Text("")));
        values.put("t.array.empty", array(GgufValueType.INT32));
        values.put("t.array.nested", array(GgufValueType.ARRAY,
                array(GgufValueType.STRING, new GgufValue.Text("a")),
                array(GgufValueType.ARRAY, array(GgufValueType.UINT8, new GgufValue.UInt8(1)))));
        return values;
    }

    static GgufValue.Array array(GgufValueType type, GgufValue... elements) {
        return new GgufValue.Array(type, List.of(elements));
    }

    @Test
    void everyMetadataTypeSurvivesBitExact() throws IOException {
        Map<String, GgufValue> values = everyMetadataType();
        Path file = directory.resolve("metadata.gguf");
        try (GgufWriter writer = GgufWriter.create(file)) {
            values.forEach(writer::put);
        }
        try (GgufFile gguf = GgufFile.open(file)) {
            assertEquals(3, gguf.version());
            assertEquals(List.copyOf(values.keySet()), List.copyOf(gguf.metadata().keySet()), "file order kept");
            assertEquals(values, gguf.metadata());
            assertEquals(0x7fc0_1234, Float.floatToRawIntBits(((GgufValue.Float32) gguf.get("t.float32.nan")).value()));
            assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(gguf.getFloat("t.float32")));
            assertEquals("llama", gguf.getString("general.architecture"));
            assertEquals(255, gguf.getInt("t.uint8"));
            assertEquals(0xFFFF_FFFFL, gguf.getLong("t.uint32"));
            assertEquals(List.of("<s>", ""), gguf.getStringArray("t.array.string"));
            assertTrue(gguf.getBoolean("t.bool.true"));
            assertEquals(2, gguf.getArray("t.array.nested").size());
            assertTrue(gguf.tensors().isEmpty());
        }
    }

    @Test
    void typedAccessorsRefuseWrongTypesAndMissingKeys() throws IOException {
        Path file = directory.resolve("accessors.gguf");
        try (GgufWriter writer = GgufWriter.create(file)) {
            everyMetadataType().forEach(writer::put);
        }
        try (GgufFile gguf = GgufFile.open(file)) {
            var wrong = assertThrows(IllegalStateException.class, () -> gguf.getString("t.uint8"));
            assertTrue(wrong.getMessage().contains("'t.uint8' is UINT8"), wrong.getMessage());
            assertThrows(IllegalStateException.class, () -> gguf.getInt("t.uint32"), "4294967295 does not fit an int");
            assertThrows(IllegalStateException.class, () -> gguf.getLong("t.uint64"), "2^64-1 does not fit a long");
            assertThrows(IllegalStateException.class, () -> gguf.getStringArray("t.array.int32"));
            var missing = assertThrows(java.util.NoSuchElementException.class, () -> gguf.getString("absent.key"));
            assertTrue(missing.getMessage().contains("absent.key"), missing.getMessage());
        }
    }

    @Test
    void everyTensorTypeSurvivesBitExactAndAligned() throws IOException {
        Random random = new Random(42);
        Map<String, byte[]> payloads = new LinkedHashMap<>();
        Path file = directory.resolve("tensors.gguf");
        try (GgufWriter writer = GgufWriter.create(file)) {
            writer.putString("general.architecture", "test");
            for (GgmlType type : GgmlType.values()) {
                long[] shape = {type.blockSize() * 3L, 5};
                byte[] bytes = new byte[(int) type.byteSizeFor(shape[0] * shape[1])];
                random.nextBytes(bytes);
                payloads.put("t." + type.name().toLowerCase(), bytes);
                writer.addTensor("t." + type.name().toLowerCase(), type, shape);
            }
            for (var entry : payloads.entrySet()) {
                writer.writeTensor(entry.getKey(), MemorySegment.ofArray(entry.getValue()));
            }
        }
        try (GgufFile gguf = GgufFile.open(file)) {
            assertEquals(GgmlType.values().length, gguf.tensors().size());
            assertEquals(0, gguf.dataStart() % 32);
            for (GgufTensorInfo info : gguf.tensors()) {
                GgmlType type = GgmlType.valueOf(info.name().substring(2).toUpperCase());
                assertEquals(type, info.type());
                assertArrayEquals(new long[] {type.blockSize() * 3L, 5}, info.shape());
                assertEquals(0, info.dataOffset() % 32, info.name());
                assertArrayEquals(payloads.get(info.name()), gguf.tensor(info.name()).toArray(ValueLayout.JAVA_BYTE));
                assertTrue(gguf.tensor(info).isReadOnly());
            }
        }
    }

    @Test
    void customAlignmentAndStreamedChunksAndByteBuffers() throws IOException {
        Random random = new Random(7);
        byte[] big = new byte[3 * (1 << 20) + 12];
        random.nextBytes(big);
        byte[] small = new byte[4 * 31];
        random.nextBytes(small);
        Path file = directory.resolve("aligned.gguf");
        try (GgufWriter writer = GgufWriter.create(file)) {
            writer.putUInt32("general.alignment", 256);
            writer.addTensor("odd", GgmlType.F32, 31);
            writer.addTensor("big", GgmlType.I8, big.length);
            writer.writeTensor("odd", ByteBuffer.wrap(small));
            writer.writeTensor("big", sink -> {
                for (int start = 0; start < big.length; start += 100_003) {
                    int length = Math.min(100_003, big.length - start);
                    sink.write(MemorySegment.ofArray(big).asSlice(start, length));
                }
            });
        }
        try (GgufFile gguf = GgufFile.open(file)) {
            assertEquals(256, gguf.alignment());
            assertEquals(0, gguf.dataStart() % 256);
            assertEquals(256, gguf.tensorInfo("big").dataOffset());
            assertArrayEquals(small, gguf.tensor("odd").toArray(ValueLayout.JAVA_BYTE));
            assertArrayEquals(big, gguf.tensor("big").toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void tensorViewsDieWithTheFile() throws IOException {
        Path file = directory.resolve("closed.gguf");
        try (GgufWriter writer = GgufWriter.create(file)) {
            writer.addTensor("a", GgmlType.F32, 4);
            writer.writeTensor("a", MemorySegment.ofArray(new float[] {1, 2, 3, 4}));
        }
        GgufFile gguf = GgufFile.open(file);
        MemorySegment view = gguf.tensor("a");
        assertEquals(2.0f, view.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, 1));
        gguf.close();
        gguf.close();
        assertThrows(IllegalStateException.class, () -> view.get(ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void copyMetadataTakesTheSelectedKeysInOrder() throws IOException {
        Path source = directory.resolve("source.gguf");
        try (GgufWriter writer = GgufWriter.create(source)) {
            everyMetadataType().forEach(writer::put);
        }
        Path copy = directory.resolve("copy.gguf");
        try (GgufFile gguf = GgufFile.open(source); GgufWriter writer = GgufWriter.create(copy)) {
            writer.copyMetadata(gguf, key -> key.startsWith("t.array."));
        }
        try (GgufFile gguf = GgufFile.open(copy)) {
            List<String> expected = new ArrayList<>(everyMetadataType().keySet());
            expected.removeIf(key -> !key.startsWith("t.array."));
            assertEquals(expected, List.copyOf(gguf.metadata().keySet()));
        }
    }

    @Test
    void closingBeforeTheLastTensorLeavesNothing() throws IOException {
        Path file = directory.resolve("incomplete.gguf");
        GgufWriter writer = GgufWriter.create(file);
        writer.addTensor("a", GgmlType.F32, 4);
        writer.addTensor("b", GgmlType.F32, 4);
        writer.writeTensor("a", MemorySegment.ofArray(new float[4]));
        var thrown = assertThrows(IllegalStateException.class, writer::close);
        assertTrue(thrown.getMessage().contains("1 of 2 tensors"), thrown.getMessage());
        assertDirectoryEmpty();
    }

    @Test
    void aFailedTensorDeletesTheTemporaryFileAndKeepsTheOldTarget() throws IOException {
        Path file = directory.resolve("kept.gguf");
        Files.write(file, new byte[] {1, 2, 3});
        try (GgufWriter writer = GgufWriter.create(file)) {
            writer.addTensor("a", GgmlType.F32, 4);
            assertThrows(IllegalArgumentException.class,
                    () -> writer.writeTensor("a", MemorySegment.ofArray(new float[3])), "12 of 16 bytes");
            assertThrows(IllegalStateException.class,
                    () -> writer.writeTensor("a", MemorySegment.ofArray(new float[4])), "writer has failed");
        }
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(file));
        try (var listing = Files.list(directory)) {
            assertEquals(List.of(file), listing.toList());
        }
    }

    @Test
    void writerRefusesMisuse() throws IOException {
        try (GgufWriter writer = GgufWriter.create(directory.resolve("misuse.gguf"))) {
            writer.putString("k", "v");
            assertThrows(IllegalArgumentException.class, () -> writer.putString("k", "again"));
            assertThrows(IllegalArgumentException.class, () -> writer.putString("", "empty key"));
            assertThrows(IllegalArgumentException.class, () -> writer.putString("bad\uD800", "surrogate key"));
            assertThrows(IllegalArgumentException.class, () -> writer.putString("bad.value", "surrogate \uDC00"));
            assertThrows(IllegalArgumentException.class, () -> writer.putUInt32("general.alignment", 48));
            assertThrows(IllegalArgumentException.class, () -> writer.addTensor("q", GgmlType.Q4_0, 33));
            assertThrows(IllegalArgumentException.class, () -> writer.addTensor("x".repeat(64), GgmlType.F32, 1));
            assertThrows(IllegalArgumentException.class, () -> writer.addTensor("z", GgmlType.F32, 0));
            writer.addTensor("a", GgmlType.F32, 1);
            assertThrows(IllegalArgumentException.class, () -> writer.addTensor("a", GgmlType.F32, 1));
            assertThrows(IllegalStateException.class, () -> writer.writeTensor("b", MemorySegment.ofArray(new float[1])));
        } catch (IllegalStateException expected) {
            // the out-of-order write failed the writer, so close deleted the output
        }
        assertDirectoryEmpty();
    }

    private void assertDirectoryEmpty() throws IOException {
        try (var listing = Files.list(directory)) {
            assertFalse(listing.findAny().isPresent(), "no output and no temporary file left");
        }
    }
}
