package dev.chorus.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Offsets and sizes past 2^31 bytes: a sparse GGUF file (2.15 GB long, a few kilobytes on disk) whose first
 * tensor is itself larger than 2 GiB and whose second starts beyond it. The reader maps it, sizes the big tensor
 * in {@code long} and finds the second tensor's bytes at their offset.
 */
class LargeFileTest {

    /** F32 elements of the first tensor: 2^29 + 16, i.e. 2^31 + 64 bytes. */
    private static final long BIG_ELEMENTS = (1L << 29) + 16;

    @Test
    void tensorsPastTwoGibibytesAreSizedAndFound(@TempDir Path folder) throws IOException {
        long tailOffset = GgufParser.align(BIG_ELEMENTS * Float.BYTES, GgufParser.DEFAULT_ALIGNMENT);
        GgufEncoder header = new GgufEncoder()
                .int32(GgufParser.MAGIC).int32(3)           // magic, version
                .int64(2).int64(0)                           // n_tensors, n_kv
                .string("big").int32(1).int64(BIG_ELEMENTS).int32(GgmlType.F32.id()).int64(0)
                .string("tail").int32(1).int64(4).int32(GgmlType.F32.id()).int64(tailOffset)
                .pad(GgufParser.DEFAULT_ALIGNMENT);
        ByteBuffer tail = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-2f)
                .putFloat(3.25f).putFloat(4f).flip();
        Path file = folder.resolve("large.gguf");
        long dataStart;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.SPARSE)) {
            ByteBuffer headerBytes = header.toBuffer();
            dataStart = headerBytes.remaining();
            channel.write(headerBytes);
            channel.write(tail, dataStart + tailOffset);
        }
        try (GgufFile gguf = GgufFile.open(file)) {
            assertEquals(dataStart, gguf.dataStart());
            GgufTensorInfo big = gguf.tensorInfo("big");
            assertEquals(BIG_ELEMENTS * Float.BYTES, big.byteSize());
            assertTrue(big.byteSize() > Integer.MAX_VALUE);
            MemorySegment bigBytes = gguf.tensor(big);
            assertEquals(0f, bigBytes.get(ValueLayout.JAVA_FLOAT_UNALIGNED, big.byteSize() - Float.BYTES),
                    "the unwritten end of the big tensor reads as zeros");
            GgufTensorInfo second = gguf.tensorInfo("tail");
            assertEquals(tailOffset, second.dataOffset());
            assertTrue(gguf.dataStart() + second.dataOffset() > Integer.MAX_VALUE);
            assertArrayEquals(new float[] {1.5f, -2f, 3.25f, 4f},
                    gguf.tensor(second).toArray(ValueLayout.JAVA_FLOAT_UNALIGNED));
        }
    }
}
