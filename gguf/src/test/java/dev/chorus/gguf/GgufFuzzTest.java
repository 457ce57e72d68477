package dev.chorus.gguf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Seeded mutations of a valid file: each must either parse fully or fail with a GgufFormatException. Parses the
 * bytes in memory (what {@link GgufFile#open} does after mapping) so thousands of cases take a second or two.
 */
class GgufFuzzTest {
    private static final int CASES = 6000;
    private static final long[] INFLATED = {
            Long.MAX_VALUE, Long.MIN_VALUE, -1, 1L << 32, 1L << 40, 0xFFFF_FFFFL, 1L << 62, 4097, 0, 5};

    @TempDir
    Path directory;

    @Test
    void mutatedFilesParseOrFailCleanly() throws IOException {
        byte[] original = validFile();
        Random random = new Random(20261126);
        int parsed = 0;
        int rejected = 0;
        for (int i = 0; i < CASES; i++) {
            byte[] mutant = mutate(original, random, i % 4);
            try {
                touchEverything(GgufParser.parse(MemorySegment.ofArray(mutant)), mutant.length);
                parsed++;
            } catch (GgufFormatException expected) {
                assertTrue(expected.offset() >= 0 && expected.offset() <= mutant.length, expected.getMessage());
                rejected++;
            } catch (Throwable unexpected) {
                fail("case " + i + " threw " + unexpected, unexpected);
            }
        }
        assertEquals(CASES, parsed + rejected);
        assertTrue(parsed > 0 && rejected > CASES / 4, "parsed " + parsed + ", rejected " + rejected);
    }

    private static byte[] mutate(byte[] original, Random random, int kind) {
        byte[] mutant = original.clone();
        switch (kind) {
            case 0 -> { // flip a few random bytes, mostly in the header where the structure lives
                for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                    int at = random.nextInt(random.nextBoolean() ? Math.min(mutant.length, 1024) : mutant.length);
                    mutant[at] ^= (byte) (1 + random.nextInt(255));
                }
            }
            case 1 -> mutant = Arrays.copyOf(original, random.nextInt(original.length)); // truncate
            case 2 -> { // overwrite an 8-byte field (a count, length, dimension or offset) with an inflated value
                int at = random.nextInt(Math.min(mutant.length, 1024) - 8);
                long value = INFLATED[random.nextInt(INFLATED.length)];
                ByteBuffer.wrap(mutant).order(ByteOrder.LITTLE_ENDIAN).putLong(at, value);
            }
            default -> { // a random 4- or 8-byte length anywhere in the header
                int at = random.nextInt(Math.min(mutant.length, 1024) - 8);
                ByteBuffer buffer = ByteBuffer.wrap(mutant).order(ByteOrder.LITTLE_ENDIAN);
                if (random.nextBoolean()) {
                    buffer.putInt(at, random.nextInt());
                } else {
                    buffer.putLong(at, random.nextLong() >>> random.nextInt(64));
                }
            }
        }
        return mutant;
    }

    /** Reads every value and checks every tensor lies inside the image, as {@link GgufFile#tensor} relies on. */
    private static void touchEverything(GgufParser.Result header, long imageSize) {
        header.metadata().forEach((key, value) -> assertTrue(!key.isEmpty() && value.equals(value)));
        for (GgufTensorInfo info : header.tensors()) {
            long start = header.dataStart() + info.dataOffset();
            assertTrue(start >= header.dataStart() && start + info.byteSize() <= imageSize, info.toString());
        }
    }

    private byte[] validFile() throws IOException {
        Path file = directory.resolve("valid.gguf");
        Random random = new Random(1);
        try (GgufWriter writer = GgufWriter.create(file)) {
            GgufRoundTripTest.everyMetadataType().forEach(writer::put);
            GgmlType[] types = {GgmlType.F32, GgmlType.F16, GgmlType.Q8_0, GgmlType.Q4_K};
            for (GgmlType type : types) {
                writer.addTensor("blk.0." + type.name(), type, type.blockSize(), 2);
            }
            for (GgmlType type : types) {
                byte[] data = new byte[(int) type.byteSizeFor(type.blockSize() * 2L)];
                random.nextBytes(data);
                writer.writeTensor("blk.0." + type.name(), MemorySegment.ofArray(data));
            }
        }
        return Files.readAllBytes(file);
    }
}
