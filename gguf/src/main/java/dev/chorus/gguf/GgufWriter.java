package dev.chorus.gguf;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Streams a GGUF v3 file: first metadata and tensor declarations, then each tensor's bytes in declaration order.
 * Output goes to a temporary file beside the target, renamed over it atomically when {@link #close()} finds every
 * tensor written; any failure, or a close before the last tensor, deletes the temporary file and leaves no output.
 *
 * <pre>{@code
 * try (GgufWriter writer = GgufWriter.create(path)) {
 *     writer.putString("general.architecture", "llama");
 *     writer.addTensor("output_norm.weight", GgmlType.F32, 256);
 *     writer.writeTensor("output_norm.weight", MemorySegment.ofArray(norm));
 * }
 * }</pre>
 */
public final class GgufWriter implements AutoCloseable {
    /** Receives one tensor's bytes in pieces, so a tensor never has to be in memory whole. */
    @FunctionalInterface
    public interface ChunkSink {
        void write(MemorySegment chunk) throws IOException;
    }

    /** Produces one tensor's bytes into a {@link ChunkSink}; must write exactly the tensor's byte size. */
    @FunctionalInterface
    public interface TensorSource {
        void writeTo(ChunkSink sink) throws IOException;
    }

    private static final int STAGING_BYTES = 1 << 20;

    private final Path target;
    private final Path temporary;
    private final FileChannel channel;
    private final Set<String> keys = new HashSet<>();
    /** Key-value pairs serialised as they are added, so a bad value fails its put, not the close. */
    private final GgufEncoder metadata = new GgufEncoder();
    private final List<GgufTensorInfo> tensors = new ArrayList<>();
    private final Set<String> tensorNames = new HashSet<>();
    private final ByteBuffer staging = ByteBuffer.allocateDirect(STAGING_BYTES);
    private final MemorySegment stagingSegment = MemorySegment.ofBuffer(staging);
    private int alignment = GgufParser.DEFAULT_ALIGNMENT;
    private long nextDataOffset;
    private boolean headerWritten;
    private int tensorsWritten;
    private boolean failed;
    private boolean closed;

    private GgufWriter(Path target, Path temporary, FileChannel channel) {
        this.target = target;
        this.temporary = temporary;
        this.channel = channel;
    }

    /**
     * Starts writing {@code target}; nothing appears at that path until a successful {@link #close()}. The target
     * must be a regular file or a new path in an existing folder: a device, FIFO or folder there is refused (an
     * atomic rename would replace {@code /dev/null} itself). Temporary files of earlier writers of the same target
     * that died without cleaning up (killed, or the machine stopped) are deleted first.
     *
     * @throws IOException naming the target when it is not a regular file or its folder does not exist
     */
    public static GgufWriter create(Path target) throws IOException {
        Path absolute = target.toAbsolutePath();
        PartFiles.requireWritableTarget(absolute);
        PartFiles.deleteStale(absolute);
        Path temporary = PartFiles.newPart(absolute);
        FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            PartFiles.claim(temporary, channel);
            return new GgufWriter(absolute, temporary, channel);
        } catch (IOException | RuntimeException failure) {
            channel.close();
            PartFiles.release(temporary);
            throw failure;
        }
    }

    /**
     * Adds a metadata entry. {@code general.alignment} must be a power-of-two UINT32 and sets the data alignment.
     *
     * @throws IllegalArgumentException for an empty or duplicate key, or a key or string that is not valid Unicode
     */
    public GgufWriter put(String key, GgufValue value) {
        requireDeclaring();
        Objects.requireNonNull(value, "value");
        if (key.isEmpty() || keys.contains(key)) {
            throw new IllegalArgumentException(key.isEmpty() ? "empty metadata key" : "duplicate metadata key '" + key + "'");
        }
        GgufEncoder entry = new GgufEncoder().string(key).int32(value.type().id()).value(value);
        if (key.equals(GgufParser.ALIGNMENT_KEY)) {
            if (!tensors.isEmpty()) {
                throw new IllegalStateException(key + " must be set before the first tensor is declared");
            }
            alignment = checkedAlignment(value);
        }
        metadata.append(entry);
        keys.add(key);
        return this;
    }

    public GgufWriter putString(String key, String value) {
        return put(key, new GgufValue.Text(value));
    }

    public GgufWriter putUInt32(String key, long value) {
        return put(key, new GgufValue.UInt32(value));
    }

    public GgufWriter putInt32(String key, int value) {
        return put(key, new GgufValue.Int32(value));
    }

    public GgufWriter putFloat32(String key, float value) {
        return put(key, new GgufValue.Float32(value));
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(key, new GgufValue.Bool(value));
    }

    /** Copies the metadata entries of {@code source} whose keys {@code keys} accepts, in the source's order. */
    public GgufWriter copyMetadata(GgufFile source, Predicate<String> keys) {
        source.metadata().forEach((key, value) -> {
            if (keys.test(key)) {
                put(key, value);
            }
        });
        return this;
    }

    /** Declares the next tensor; data must later be written in declaration order. */
    public GgufWriter addTensor(String name, GgmlType type, long... shape) {
        requireDeclaring();
        if (GgufEncoder.utf8(name).length > GgufTensorInfo.MAX_NAME_BYTES) {
            throw new IllegalArgumentException("tensor name '" + name + "' is longer than "
                    + GgufTensorInfo.MAX_NAME_BYTES + " bytes");
        }
        if (!tensorNames.add(name)) {
            throw new IllegalArgumentException("duplicate tensor name '" + name + "'");
        }
        GgufTensorInfo info = new GgufTensorInfo(name, type, shape, nextDataOffset);
        nextDataOffset = Math.addExact(nextDataOffset, GgufParser.align(info.byteSize(), alignment));
        tensors.add(info);
        return this;
    }

    /** The declared tensors, with the data offsets they will have. */
    public List<GgufTensorInfo> tensors() {
        return List.copyOf(tensors);
    }

    /** Writes the next tensor's bytes: {@code data} must hold exactly the declared byte size. */
    public void writeTensor(String name, MemorySegment data) throws IOException {
        writeTensor(name, sink -> sink.write(data));
    }

    public void writeTensor(String name, ByteBuffer data) throws IOException {
        writeTensor(name, MemorySegment.ofBuffer(data));
    }

    /** Streams the next tensor's bytes from {@code source}, chunk by chunk. */
    public void writeTensor(String name, TensorSource source) throws IOException {
        requireOpen();
        if (tensorsWritten == tensors.size()) {
            throw fail(new IllegalStateException("tensor '" + name + "' written after all "
                    + tensors.size() + " declared tensors"));
        }
        GgufTensorInfo expected = tensors.get(tensorsWritten);
        if (!expected.name().equals(name)) {
            throw fail(new IllegalStateException("tensor '" + name + "' written out of order: '"
                    + expected.name() + "' comes next"));
        }
        try {
            writeHeaderOnce();
            long[] written = {0};
            source.writeTo(chunk -> {
                if (chunk.byteSize() > expected.byteSize() - written[0]) {
                    throw new IllegalArgumentException("tensor '" + name + "' got more than its "
                            + expected.byteSize() + " bytes");
                }
                writeFully(chunk);
                written[0] += chunk.byteSize();
            });
            if (written[0] != expected.byteSize()) {
                throw new IllegalArgumentException("tensor '" + name + "' got " + written[0] + " of its "
                        + expected.byteSize() + " bytes");
            }
            writeFully(MemorySegment.ofArray(new byte[(int) (GgufParser.align(written[0], alignment) - written[0])]));
            tensorsWritten++;
        } catch (IOException | RuntimeException | Error failure) {
            failed = true;
            throw failure;
        }
    }

    /**
     * Publishes the file if every declared tensor was written, atomically replacing any file at the target;
     * otherwise deletes the temporary file and throws {@link IllegalStateException}. Idempotent.
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try (channel) {
            if (!failed && tensorsWritten == tensors.size()) {
                writeHeaderOnce();
                channel.force(true);
                // renamed while still open and locked, so no other writer's stale-file sweep can take it first
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
                PartFiles.forget(temporary);
                return;
            }
        } catch (IOException | RuntimeException | Error failure) {
            PartFiles.release(temporary);
            throw failure;
        }
        PartFiles.release(temporary);
        if (!failed) {
            throw new IllegalStateException("GGUF writer for " + target + " closed after " + tensorsWritten + " of "
                    + tensors.size() + " tensors; no file written");
        }
    }

    private void writeHeaderOnce() throws IOException {
        if (headerWritten) {
            return;
        }
        GgufEncoder header = new GgufEncoder()
                .int32(GgufParser.MAGIC)                // char magic[4];
                .int32(3)                               // uint32_t version;
                .int64(tensors.size())                  // int64_t n_tensors;
                .int64(keys.size())                     // int64_t n_kv;
                .append(metadata);
        for (GgufTensorInfo info : tensors) {
            header.string(info.name()).int32(info.dimensionCount());
            for (long dim : info.shape()) {
                header.int64(dim);
            }
            header.int32(info.type().id()).int64(info.dataOffset());
        }
        if (!tensors.isEmpty()) {
            header.pad(alignment);
        }
        ByteBuffer bytes = header.toBuffer();
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
        headerWritten = true;
    }

    private void writeFully(MemorySegment data) throws IOException {
        MemorySegment stagingSegment = MemorySegment.ofBuffer(staging.clear());
        for (long done = 0; done < data.byteSize(); ) {
            int length = (int) Math.min(STAGING_BYTES, data.byteSize() - done);
            MemorySegment.copy(data, done, stagingSegment, 0, length);
            staging.clear().limit(length);
            while (staging.hasRemaining()) {
                channel.write(staging);
            }
            done += length;
        }
    }

    private static int checkedAlignment(GgufValue value) {
        if (!(value instanceof GgufValue.UInt32(long alignment)) || Long.bitCount(alignment) != 1
                || alignment > 1 << 30) {
            throw new IllegalArgumentException(GgufParser.ALIGNMENT_KEY + " must be a power-of-two UINT32, got " + value);
        }
        return (int) alignment;
    }

    private void requireOpen() {
        if (closed || failed) {
            throw new IllegalStateException("GGUF writer for " + target + (closed ? " is closed" : " has failed"));
        }
    }

    private void requireDeclaring() {
        requireOpen();
        if (headerWritten) {
            throw new IllegalStateException("metadata and tensors must be declared before the first tensor is written");
        }
    }

    private <T extends Throwable> T fail(T failure) {
        failed = true;
        return failure;
    }
}
