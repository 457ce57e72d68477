package dev.chorus.gguf;

import dev.chorus.gguf.quant.Quantization;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.LongConsumer;

/**
 * Rewrites a GGUF file with its weight matrices in another tensor type, streaming a bounded number of
 * rows at a time so memory stays small whatever the model size. Metadata is copied unchanged (plus
 * {@code general.file_type}); the output appears atomically.
 *
 * <p>As llama.cpp's quantiser does, only matrices (two or more dimensions) whose rows are a whole
 * number of target blocks change type; vectors such as norms stay F32, which the kernels expect.
 */
public final class GgufRequantizer {
    /** Floats decoded per chunk: 4 MiB of staging, a multiple of every block size. */
    private static final int CHUNK_VALUES = 1 << 20;
    private static final String FILE_TYPE_KEY = "general.file_type";

    private GgufRequantizer() {
    }

    /**
     * Writes {@code source} to {@code target} with its matrices as {@code type}.
     *
     * @param progress receives the number of input bytes processed so far, after each tensor
     */
    public static void requantize(Path source, Path target, GgmlType type, LongConsumer progress) throws IOException {
        Objects.requireNonNull(progress, "progress");
        if (!Quantization.quantizable().contains(type)) {
            throw new IllegalArgumentException("cannot write " + type + "; supported: " + Quantization.quantizable());
        }
        try (GgufFile input = GgufFile.open(source); GgufWriter output = GgufWriter.create(target)) {
            for (GgufTensorInfo tensor : input.tensors()) {
                if (!Quantization.dequantizable().contains(tensor.type())) {
                    throw new IllegalArgumentException("tensor '" + tensor.name() + "' has type " + tensor.type()
                            + ", which cannot be decoded; decodable: " + Quantization.dequantizable());
                }
            }
            output.copyMetadata(input, key -> !key.equals(FILE_TYPE_KEY));
            output.putUInt32(FILE_TYPE_KEY, fileType(type));
            for (GgufTensorInfo tensor : input.tensors()) {
                output.addTensor(tensor.name(), outputType(tensor, type), tensor.shape());
            }
            long done = 0;
            for (GgufTensorInfo tensor : input.tensors()) {
                GgmlType outputType = outputType(tensor, type);
                MemorySegment data = input.tensor(tensor);
                if (outputType == tensor.type()) {
                    output.writeTensor(tensor.name(), data);
                } else {
                    output.writeTensor(tensor.name(), sink -> convert(tensor, data, outputType, sink));
                }
                done += tensor.byteSize();
                progress.accept(done);
            }
        }
    }

    /** The type a tensor gets when its file is requantised to {@code type}. */
    public static GgmlType outputType(GgufTensorInfo tensor, GgmlType type) {
        boolean matrix = tensor.dimensionCount() >= 2;
        return matrix && tensor.dimension(0) % type.blockSize() == 0 ? type : GgmlType.F32;
    }

    private static void convert(GgufTensorInfo tensor, MemorySegment data, GgmlType type,
                                GgufWriter.ChunkSink sink) throws IOException {
        long total = tensor.elementCount();
        long rowLength = tensor.dimension(0);
        // Whole rows per chunk, so every chunk is a whole number of blocks of either type.
        int chunkValues = (int) Math.max(rowLength, CHUNK_VALUES / rowLength * rowLength);
        float[] values = new float[chunkValues];
        MemorySegment encoded = MemorySegment.ofArray(new byte[Math.toIntExact(type.byteSizeFor(chunkValues))]);
        for (long start = 0; start < total; start += chunkValues) {
            int count = (int) Math.min(chunkValues, total - start);
            Quantization.dequantize(tensor.type(), data, tensor.type().byteSizeFor(start), values, 0, count);
            Quantization.quantize(type, values, 0, count, encoded, 0);
            sink.write(encoded.asSlice(0, type.byteSizeFor(count)));
        }
    }

    /** llama.cpp's {@code llama_ftype} for a file whose matrices are all {@code type}. */
    private static int fileType(GgmlType type) {
        return switch (type) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q8_0 -> 7;
            case BF16 -> 32;
            default -> throw new IllegalArgumentException("no llama.cpp file type for " + type);
        };
    }
}
