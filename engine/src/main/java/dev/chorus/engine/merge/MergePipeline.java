package dev.chorus.engine.merge;

import dev.chorus.gguf.GgmlType;
import dev.chorus.gguf.GgufFile;
import dev.chorus.gguf.GgufWriter;
import dev.chorus.kernels.merge.MergeKernels;
import dev.chorus.kernels.merge.MergeStep;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Runs a recipe: plans and checks it ({@link MergePlan}), then streams one output tensor at a time, and each
 * tensor a chunk at a time — decode a chunk of every input to float, merge it on the device, encode it to the
 * output type, write it — so memory holds a few chunks whatever the tensor and model sizes. Metadata and
 * tokenizer come from the base model (or the first); {@code general.file_type} and the layer count follow the
 * output. The file appears atomically when every tensor is written; a failure at any point leaves no file.
 */
public final class MergePipeline {

    private static final String FILE_TYPE = "general.file_type";
    /** Bounds on the elements per chunk: powers of two, so every chunk is whole blocks of every type. */
    static final int MIN_CHUNK = 1 << 16;
    static final int MAX_CHUNK = 1 << 26;

    private MergePipeline() {
    }

    /** Runs with chunks sized to the heap ({@link #chunkLengthFor}). */
    public static MergeSummary run(MergeRecipe recipe, Path output, MergeKernels kernels, MergeProgress progress)
            throws IOException {
        return run(recipe, output, kernels, progress, 0);
    }

    /**
     * Runs with {@code chunkLength} elements per chunk (a positive multiple of 256; 0 sizes chunks to the heap).
     * The output does not depend on it but for slerp, whose norms are summed chunk by chunk.
     */
    public static MergeSummary run(MergeRecipe recipe, Path output, MergeKernels kernels, MergeProgress progress,
                                   int chunkLength) throws IOException {
        if (chunkLength < 0 || chunkLength % 256 != 0) {
            throw new IllegalArgumentException("chunks must be a positive multiple of 256 elements, not " + chunkLength);
        }
        long start = System.nanoTime();
        for (Path input : recipe.files()) {
            if (Files.exists(output) && Files.isSameFile(input, output)) {
                throw new IllegalArgumentException("the output must not overwrite the input " + input);
            }
        }
        try (MergePlan plan = MergePlan.open(recipe)) {
            long total = plan.inputBytes();
            int chunk = chunkLength > 0 ? chunkLength : chunkLengthFor(plan.jobs);
            ChunkBuffers buffers = new ChunkBuffers(plan.jobs, chunk);
            // Every parameter is resolved before the output exists, so a missing one leaves no file behind.
            List<MergeStep> steps = IntStream.range(0, plan.jobs.size())
                    .mapToObj(index -> TensorSteps.step(recipe, plan.jobs.get(index), index)).toList();
            long read = 0;
            try (GgufWriter writer = GgufWriter.create(output)) {
                writeMetadata(writer, plan, recipe.outType());
                for (TensorJob job : plan.jobs) {
                    writer.addTensor(job.name(), job.type(), job.shape());
                }
                for (int index = 0; index < plan.jobs.size(); index++) {
                    TensorJob job = plan.jobs.get(index);
                    MergeStep step = steps.get(index);
                    writer.writeTensor(job.name(), sink -> {
                        try {
                            kernels.merge(step, buffers.chunks(job), (first, values, count) -> {
                                try {
                                    sink.write(buffers.encode(job, values, count));
                                } catch (IOException e) {
                                    throw new UncheckedIOException(e);
                                }
                            });
                        } catch (UncheckedIOException e) {
                            throw e.getCause();
                        }
                    });
                    read += job.inputBytes();
                    progress.update(index + 1, plan.jobs.size(), read, total);
                }
            }
            return new MergeSummary(output, plan.jobs.size(), total, kernels.backend().id() + " (" + kernels.device() + ")",
                    (System.nanoTime() - start) / 1e9, chunk);
        }
    }

    /**
     * Elements per chunk for the heap this JVM has: a quarter of the maximum heap shared by every array of a chunk
     * (each input, the kernels' result and the host copy, the encoded bytes), as a power of two between
     * {@link #MIN_CHUNK} and {@link #MAX_CHUNK}. With {@code -Xmx1g} and two inputs that is 8 M elements.
     */
    static int chunkLengthFor(List<TensorJob> jobs) {
        int inputs = jobs.stream().mapToInt(job -> job.contributors().size() + (job.base() == null ? 0 : 1)).max().orElse(1);
        long bytesPerElement = Float.BYTES * (inputs + 3L);
        long fitting = Runtime.getRuntime().maxMemory() / 4 / bytesPerElement;
        return (int) Math.clamp(Long.highestOneBit(Math.max(1, fitting)), MIN_CHUNK, MAX_CHUNK);
    }

    private static void writeMetadata(GgufWriter writer, MergePlan plan, GgmlType outType) {
        GgufFile source = plan.metadataSource;
        String blockCount = source.getString(MergeInputsCheck.ARCHITECTURE) + ".block_count";
        writer.copyMetadata(source, key -> !key.equals(FILE_TYPE) && !key.equals(blockCount));
        writer.putUInt32(blockCount, plan.outputLayers);
        writer.putUInt32(FILE_TYPE, switch (outType) {
            case F32 -> 0;
            case F16 -> 1;
            case Q8_0 -> 7;
            case BF16 -> 32;
            default -> throw new IllegalArgumentException("cannot write " + outType);
        });
    }
}
