package dev.chorus.engine.merge;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A GGUF v3 file of one large F32 tensor, written by hand so its data can be a hole: all zeros but one value,
 * taking a few kilobytes of disk whatever the tensor's size. Metadata: a {@code llama} architecture with one
 * layer of one small zero tensor ({@code blk.0.attn_norm.weight}), enough for the merge pipeline.
 */
final class SparseGguf {

    private static final int ALIGNMENT = 32;
    private static final int STRING = 8;
    private static final int UINT32 = 4;
    private static final int F32 = 0;
    private static final long LAYER_ELEMENTS = 32;

    private SparseGguf() {
    }

    /** Writes the file; element {@code at} holds {@code value}, every other element is 0. */
    static Path write(Path file, String tensor, long[] shape, long at, float value) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(0x46554747).putInt(3).putLong(2).putLong(2);            // magic "GGUF", version, tensors, keys
        string(header, "general.architecture").putInt(STRING);
        string(header, "llama");
        string(header, "llama.block_count").putInt(UINT32).putInt(1);
        string(header, "blk.0.attn_norm.weight").putInt(1).putLong(LAYER_ELEMENTS).putInt(F32).putLong(0);
        string(header, tensor).putInt(shape.length);                          // name, n_dims
        for (long dimension : shape) {
            header.putLong(dimension);
        }
        long tensorStart = LAYER_ELEMENTS * Float.BYTES;
        header.putInt(F32).putLong(tensorStart);                              // type, offset in the data
        int dataStart = (header.position() + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
        long elements = 1;
        for (long dimension : shape) {
            elements *= dimension;
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.SPARSE)) {
            channel.write(header.flip());
            channel.write(ByteBuffer.allocate(Float.BYTES).order(ByteOrder.LITTLE_ENDIAN).putFloat(value).flip(),
                    dataStart + tensorStart + at * Float.BYTES);
            long end = dataStart + tensorStart + elements * Float.BYTES;
            if (channel.size() < end) {
                channel.write(ByteBuffer.allocate(1), end - 1);
            }
        }
        return file;
    }

    private static ByteBuffer string(ByteBuffer buffer, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return buffer.putLong(bytes.length).put(bytes);
    }
}
