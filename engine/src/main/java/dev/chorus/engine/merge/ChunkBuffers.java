package dev.chorus.engine.merge;

import dev.chorus.gguf.GgmlType;
import dev.chorus.gguf.quant.Quantization;
import dev.chorus.kernels.merge.MergeInputs;
import dev.chorus.kernels.merge.TensorChunks;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The host arrays of a streamed merge, sized once for a chunk (or the largest tensor, when smaller) and reused
 * for every chunk of every tensor: the decoded base and models, and the encoded output. Decoding and encoding
 * run in block-aligned pieces on all cores: on a CPU they, not the merge, bound the throughput.
 */
final class ChunkBuffers {

    /** Values per codec piece: a multiple of every block size (32 and 256), large enough to amortise a task. */
    private static final int PIECE = 1 << 18;

    private final int chunkLength;
    private final float[] base;
    private final float[][] models;
    private final MemorySegment encoded;

    ChunkBuffers(List<TensorJob> jobs, int chunkLength) {
        long largest = jobs.stream().mapToLong(TensorJob::elementCount).max().orElse(0);
        int length = (int) Math.min(chunkLength, largest);
        int contributors = jobs.stream().mapToInt(job -> job.contributors().size()).max().orElse(0);
        this.chunkLength = chunkLength;
        base = jobs.stream().anyMatch(job -> job.base() != null) ? new float[length] : null;
        models = new float[contributors][length];
        long encodedBytes = jobs.stream().mapToLong(job -> job.type().byteSizeFor(Math.min(length, job.elementCount())))
                .max().orElse(0);
        encoded = MemorySegment.ofArray(new byte[Math.toIntExact(encodedBytes)]);
    }

    /** The job's inputs, decoded a chunk at a time from the memory-mapped files. */
    TensorChunks chunks(TensorJob job) {
        return new TensorChunks() {
            @Override
            public long length() {
                return job.elementCount();
            }

            @Override
            public int chunkLength() {
                return chunkLength;
            }

            @Override
            public MergeInputs read(long start, int count, boolean withBase) {
                float[][] used = new float[job.contributors().size()][];
                for (int m = 0; m < used.length; m++) {
                    decode(job.contributors().get(m), start, models[m], count);
                    used[m] = models[m];
                }
                if (withBase) {
                    decode(job.base(), start, base, count);
                }
                return new MergeInputs(withBase ? base : null, used, count);
            }
        };
    }

    /** {@code values[0 .. count)} encoded as the job's output type; valid until the next call. */
    MemorySegment encode(TensorJob job, float[] values, int count) {
        GgmlType type = job.type();
        inPieces(count, (start, length) -> Quantization.quantize(type, values, start, length, encoded, type.byteSizeFor(start)));
        return encoded.asSlice(0, type.byteSizeFor(count));
    }

    private static void decode(TensorJob.Source source, long first, float[] target, int count) {
        GgmlType type = source.tensor().type();
        MemorySegment data = source.file().tensor(source.tensor());
        inPieces(count, (start, length) -> Quantization.dequantize(type, data, type.byteSizeFor(first + start), target,
                start, length));
    }

    /** Runs {@code work(start, length)} over [0, count) in pieces of whole blocks, on all cores. */
    private static void inPieces(int count, PieceWork work) {
        int pieces = (count + PIECE - 1) / PIECE;
        IntStream.range(0, pieces).parallel().forEach(piece -> {
            int start = piece * PIECE;
            work.run(start, Math.min(PIECE, count - start));
        });
    }

    @FunctionalInterface
    private interface PieceWork {
        void run(int start, int length);
    }
}
