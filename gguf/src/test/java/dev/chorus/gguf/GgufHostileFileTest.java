package dev.chorus.gguf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One hand-made broken file per rule the reader enforces; each must name the problem and its byte offset. */
class GgufHostileFileTest {
    private static final int HEADER_BYTES = 24;
    private static final int FIRST_KEY_VALUE = HEADER_BYTES + 8 + 1 + 4; // after key "k" and its type

    @TempDir
    Path directory;

    @Test
    void badMagic() throws IOException {
        GgufEncoder bytes = new GgufEncoder().int32(0x58554747).int32(3).int64(0).int64(0);
        assertRejected(bytes, "bad magic 0x47475558", 0);
    }

    @Test
    void unsupportedVersions() throws IOException {
        assertRejected(new GgufEncoder().int32(GgufParser.MAGIC).int32(1).int64(0).int64(0), "unsupported GGUF version 1", 4);
        assertRejected(new GgufEncoder().int32(GgufParser.MAGIC).int32(4).int64(0).int64(0), "unsupported GGUF version 4", 4);
        assertRejected(new GgufEncoder().int32(GgufParser.MAGIC).int32(0x0300_0000).int64(0).int64(0),
                "unsupported GGUF version 50331648", 4);
    }

    @Test
    void versionTwoIsAccepted() throws IOException {
        try (GgufFile gguf = GgufFile.open(write(new GgufEncoder().int32(GgufParser.MAGIC).int32(2).int64(0).int64(0)))) {
            assertEquals(2, gguf.version());
        }
    }

    @Test
    void emptyFile() throws IOException {
        assertRejected(new GgufEncoder(), "file truncated: magic", 0);
    }

    @Test
    void truncatedHeader() throws IOException {
        assertRejected(new GgufEncoder().int32(GgufParser.MAGIC).int32(3).int32(0), "file truncated: tensor count", 8);
    }

    @Test
    void truncatedValue() throws IOException {
        GgufEncoder bytes = header(0, 1).string("k").int32(GgufValueType.UINT64.id()).int16(0);
        assertRejected(bytes, "file truncated: value of 'k' needs 8 bytes, 2 left", FIRST_KEY_VALUE);
    }

    @Test
    void truncatedTensorInfo() throws IOException {
        GgufEncoder bytes = header(1, 0).string("t").int32(2).int64(4);
        long missing = bytes.size();
        assertRejected(bytes, "file truncated: dimension 1 of tensor 't'", missing);
    }

    @Test
    void absurdTensorCount() throws IOException {
        assertRejected(header(1L << 40, 0), "tensor count 1099511627776 cannot fit in the 8 bytes left", 8);
    }

    @Test
    void negativeTensorCount() throws IOException {
        assertRejected(header(-1, 0), "tensor count 18446744073709551615 cannot fit", 8);
    }

    @Test
    void absurdKeyValueCount() throws IOException {
        assertRejected(header(0, Long.MAX_VALUE), "metadata key-value count 9223372036854775807 cannot fit", 16);
    }

    @Test
    void absurdStringLength() throws IOException {
        GgufEncoder bytes = header(0, 1).int64(1L << 62).int64(0);
        assertRejected(bytes, "metadata key length 4611686018427387904 cannot fit in the 8 bytes left", HEADER_BYTES);
    }

    @Test
    void absurdArrayLength() throws IOException {
        GgufEncoder bytes = header(0, 1).string("k").int32(GgufValueType.ARRAY.id())
                .int32(GgufValueType.UINT64.id()).int64(1_000_000_000_000L).int64(0);
        assertRejected(bytes, "array length of 'k' 1000000000000 cannot fit in the 8 bytes left", FIRST_KEY_VALUE + 4);
    }

    @Test
    void invalidUtf8Key() throws IOException {
        GgufEncoder bytes = header(0, 1).int64(2).int8(0xC3).int8(0x28).int32(GgufValueType.UINT8.id()).int8(0);
        assertRejected(bytes, "metadata key is not valid UTF-8", HEADER_BYTES + 8);
    }

    @Test
    void emptyKey() throws IOException {
        GgufEncoder bytes = header(0, 1).string("").int32(GgufValueType.UINT8.id()).int8(0);
        assertRejected(bytes, "metadata key 0 is empty", HEADER_BYTES);
    }

    @Test
    void duplicateKey() throws IOException {
        GgufEncoder bytes = header(0, 2).string("k").int32(GgufValueType.UINT8.id()).int8(1);
        long second = bytes.size();
        bytes.string("k").int32(GgufValueType.UINT8.id()).int8(2);
        assertRejected(bytes, "duplicate metadata key 'k'", second);
    }

    @Test
    void unknownValueType() throws IOException {
        GgufEncoder bytes = header(0, 1).string("k").int32(13).int8(0);
        assertRejected(bytes, "value type of 'k': unknown GGUF value type 13", FIRST_KEY_VALUE - 4);
    }

    @Test
    void boolThatIsNeitherZeroNorOne() throws IOException {
        GgufEncoder bytes = header(0, 1).string("k").int32(GgufValueType.BOOL.id()).int8(2);
        assertRejected(bytes, "bool byte 2 is neither 0 nor 1", FIRST_KEY_VALUE);
    }

    @Test
    void boolArrayElementThatIsNeitherZeroNorOne() throws IOException {
        GgufEncoder bytes = header(0, 1).string("k").int32(GgufValueType.ARRAY.id())
                .int32(GgufValueType.BOOL.id()).int64(3).int8(1).int8(0).int8(9);
        assertRejected(bytes, "elements of 'k': bool byte 9 is neither 0 nor 1", FIRST_KEY_VALUE + 12 + 2);
    }

    @Test
    void arraysNestedTooDeep() throws IOException {
        GgufEncoder bytes = header(0, 1).string("k").int32(GgufValueType.ARRAY.id());
        for (int depth = 0; depth < 100; depth++) {
            bytes.int32(GgufValueType.ARRAY.id()).int64(1);
        }
        assertRejected(bytes, "arrays in 'k' nest deeper than 8", FIRST_KEY_VALUE + 12L * GgufParser.MAX_ARRAY_DEPTH);
    }

    @Test
    void alignmentOfTheWrongType() throws IOException {
        GgufEncoder bytes = header(0, 1).string("general.alignment").int32(GgufValueType.UINT64.id()).int64(32);
        assertRejected(bytes, "general.alignment must be a UINT32, found UINT64", HEADER_BYTES + 8 + 17 + 4);
    }

    @Test
    void alignmentThatIsNotAPowerOfTwo() throws IOException {
        GgufEncoder bytes = header(0, 1).string("general.alignment").int32(GgufValueType.UINT32.id()).int32(48);
        assertRejected(bytes, "general.alignment 48 is not a power of two", HEADER_BYTES + 8 + 17 + 4);
    }

    @Test
    void duplicateTensorName() throws IOException {
        GgufEncoder bytes = header(2, 0);
        tensorInfo(bytes, "t", GgmlType.F32, 0, 8);
        long second = bytes.size();
        tensorInfo(bytes, "t", GgmlType.F32, 32, 8);
        assertRejected(withData(bytes, 64), "duplicate tensor name 't'", second);
    }

    @Test
    void tensorNameTooLong() throws IOException {
        GgufEncoder bytes = header(1, 0);
        tensorInfo(bytes, "n".repeat(64), GgmlType.F32, 0, 8);
        assertRejected(withData(bytes, 32), "is longer than 63 bytes", HEADER_BYTES);
    }

    @Test
    void tooManyDimensions() throws IOException {
        GgufEncoder bytes = header(1, 0).string("t");
        long dims = bytes.size();
        bytes.int32(5).int64(0).int64(0);
        assertRejected(bytes, "tensor 't' has 5 dimensions, at most 4 allowed", dims);
    }

    @Test
    void zeroDimension() throws IOException {
        GgufEncoder bytes = header(1, 0).string("t").int32(2).int64(4);
        long dim = bytes.size();
        bytes.int64(0).int32(0).int64(0);
        assertRejected(bytes, "tensor 't' dimension 1 is 0, must be positive", dim);
    }

    @Test
    void negativeDimension() throws IOException {
        GgufEncoder bytes = header(1, 0).string("t").int32(1);
        long dim = bytes.size();
        bytes.int64(-4).int32(0).int64(0);
        assertRejected(bytes, "tensor 't' dimension 0 is -4, must be positive", dim);
    }

    @Test
    void elementCountOverflow() throws IOException {
        GgufEncoder bytes = header(1, 0).string("t").int32(3).int64(1L << 32).int64(1L << 30);
        long third = bytes.size();
        bytes.int64(4).int32(0).int64(0);
        assertRejected(bytes, "tensor 't' element count overflows", third);
    }

    @Test
    void byteSizeOverflow() throws IOException {
        GgufEncoder bytes = header(1, 0).string("t").int32(1).int64(1L << 62);
        long type = bytes.size();
        bytes.int32(GgmlType.F32.id()).int64(0);
        assertRejected(bytes, "byte size of 4611686018427387904 elements overflows", type);
    }

    @Test
    void unknownTensorType() throws IOException {
        GgufEncoder bytes = header(1, 0).string("t").int32(1).int64(32);
        long type = bytes.size();
        bytes.int32(4).int64(0);
        assertRejected(bytes, "tensor 't' has unknown ggml type 4", type);
    }

    @Test
    void rowNotAWholeNumberOfBlocks() throws IOException {
        GgufEncoder bytes = header(1, 0).string("t").int32(1).int64(16);
        long type = bytes.size();
        bytes.int32(GgmlType.Q4_0.id()).int64(0);
        assertRejected(withData(bytes, 32), "rows of 16 elements are not a multiple of the Q4_0 block size 32", type);
    }

    @Test
    void misalignedDataOffset() throws IOException {
        GgufEncoder bytes = header(1, 0);
        long offsetField = tensorInfo(bytes, "t", GgmlType.F32, 16, 4);
        assertRejected(withData(bytes, 64), "tensor 't' data offset 16 is not a multiple of the alignment 32", offsetField);
    }

    @Test
    void dataPastTheEndOfTheFile() throws IOException {
        GgufEncoder bytes = header(1, 0);
        long offsetField = tensorInfo(bytes, "t", GgmlType.F32, 0, 1000);
        assertRejected(withData(bytes, 3996), "tensor 't' data ends past the end of the file", offsetField);
    }

    @Test
    void hugeDataOffset() throws IOException {
        GgufEncoder bytes = header(1, 0);
        long offsetField = tensorInfo(bytes, "t", GgmlType.F32, -32, 8);
        assertRejected(withData(bytes, 32), "data offset 18446744073709551584 lies past the end", offsetField);
    }

    @Test
    void overlappingTensors() throws IOException {
        GgufEncoder bytes = header(2, 0);
        tensorInfo(bytes, "a", GgmlType.F32, 0, 16);
        long second = tensorInfo(bytes, "b", GgmlType.F32, 32, 8);
        assertRejected(withData(bytes, 64), "tensor 'b' overlaps tensor 'a'", second);
    }

    @Test
    void wellFormedHandMadeFileIsAccepted() throws IOException {
        GgufEncoder bytes = header(2, 0);
        tensorInfo(bytes, "a", GgmlType.F32, 0, 8);
        tensorInfo(bytes, "b", GgmlType.Q8_0, 32, 32);
        try (GgufFile gguf = GgufFile.open(write(withData(bytes, 32 + 34)))) {
            assertEquals(34, gguf.tensor("b").byteSize());
        }
    }

    private static GgufEncoder header(long tensors, long keyValues) {
        return new GgufEncoder().int32(GgufParser.MAGIC).int32(3).int64(tensors).int64(keyValues);
    }

    /** Appends one tensor info and returns the file offset of its data-offset field. */
    private static long tensorInfo(GgufEncoder bytes, String name, GgmlType type, long offset, long... shape) {
        bytes.string(name).int32(shape.length);
        for (long dim : shape) {
            bytes.int64(dim);
        }
        bytes.int32(type.id());
        long offsetField = bytes.size();
        bytes.int64(offset);
        return offsetField;
    }

    /** Pads to the default alignment and appends {@code dataBytes} of data. */
    private static GgufEncoder withData(GgufEncoder bytes, int dataBytes) {
        bytes.pad(GgufParser.DEFAULT_ALIGNMENT);
        for (int i = 0; i < dataBytes; i++) {
            bytes.int8(i);
        }
        return bytes;
    }

    private Path write(GgufEncoder bytes) throws IOException {
        ByteBuffer buffer = bytes.toBuffer();
        byte[] content = new byte[buffer.remaining()];
        buffer.get(content);
        return Files.write(Files.createTempFile(directory, "hostile", ".gguf"), content);
    }

    private void assertRejected(GgufEncoder bytes, String problem, long offset) throws IOException {
        Path file = write(bytes);
        GgufFormatException thrown = assertThrows(GgufFormatException.class, () -> GgufFile.open(file).close());
        assertTrue(thrown.getMessage().contains(problem), () -> "expected '" + problem + "' in: " + thrown.getMessage());
        assertTrue(thrown.getMessage().endsWith("(at byte offset " + offset + ")"), thrown.getMessage());
        assertEquals(offset, thrown.offset());
    }
}
